package postgres

import (
	"context"
	"encoding/json"

	"kassa/internal/shopware"
	"kassa/internal/store"
)

// ShopwareShop locks the shop in a write transaction: a registration,
// confirmation or uninstall loads it to replace it.
func (r *reader) ShopwareShop(ctx context.Context, accountID, shopID string) (*shopware.Shop, error) {
	var data []byte
	err := r.q.QueryRow(ctx, `SELECT data FROM shopware_shops WHERE account_id = $1 AND shop_id = $2`+r.forUpdate(),
		accountID, shopID).Scan(&data)
	if err != nil {
		return nil, notFound(err)
	}
	return store.Decode[shopware.Shop](data)
}

// ShopwareTransaction locks the order transaction in a write transaction,
// so two finalize calls for it run one after the other.
func (r *reader) ShopwareTransaction(ctx context.Context, accountID, shopID, transactionID string) (*shopware.Transaction, error) {
	var data []byte
	err := r.q.QueryRow(ctx, `SELECT data FROM shopware_transactions WHERE account_id = $1 AND shop_id = $2 AND transaction_id = $3`+r.forUpdate(),
		accountID, shopID, transactionID).Scan(&data)
	if err != nil {
		return nil, notFound(err)
	}
	return store.Decode[shopware.Transaction](data)
}

func (r *reader) ShopwareTransactionByIntent(ctx context.Context, accountID, intentID string) (*shopware.Transaction, error) {
	var data []byte
	err := r.q.QueryRow(ctx, `SELECT data FROM shopware_transactions WHERE account_id = $1 AND intent_id = $2`+r.forUpdate(),
		accountID, intentID).Scan(&data)
	if err != nil {
		return nil, notFound(err)
	}
	return store.Decode[shopware.Transaction](data)
}

func (t *txn) SaveShopwareShop(ctx context.Context, s *shopware.Shop) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO shopware_shops (account_id, shop_id, created, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, shop_id) DO UPDATE SET data = excluded.data`,
		s.AccountID, s.ShopID, nanos(s.Created), string(data))
	return err
}

func (t *txn) InsertShopwareTransaction(ctx context.Context, tr *shopware.Transaction) error {
	data, err := json.Marshal(tr)
	if err != nil {
		return err
	}
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO shopware_transactions (account_id, shop_id, transaction_id, intent_id, created, data)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		tr.AccountID, tr.ShopID, tr.TransactionID, tr.IntentID, nanos(tr.Created), string(data))
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return store.ErrConflict
	}
	return nil
}

func (t *txn) UpdateShopwareTransaction(ctx context.Context, tr *shopware.Transaction) error {
	data, err := json.Marshal(tr)
	if err != nil {
		return err
	}
	return expectOne(t.tx.Exec(ctx, `
		UPDATE shopware_transactions SET intent_id = $1, data = $2 WHERE account_id = $3 AND shop_id = $4 AND transaction_id = $5`,
		tr.IntentID, string(data), tr.AccountID, tr.ShopID, tr.TransactionID))
}
