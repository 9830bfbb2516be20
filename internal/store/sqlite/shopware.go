package sqlite

import (
	"context"
	"encoding/json"

	"kassa/internal/shopware"
	"kassa/internal/store"
)

func (r *reader) ShopwareShop(ctx context.Context, accountID, shopID string) (*shopware.Shop, error) {
	var data []byte
	err := r.q.QueryRowContext(ctx, `SELECT data FROM shopware_shops WHERE account_id = ? AND shop_id = ?`, accountID, shopID).Scan(&data)
	if err != nil {
		return nil, notFound(err)
	}
	return store.Decode[shopware.Shop](data)
}

func (r *reader) ShopwareTransaction(ctx context.Context, accountID, shopID, transactionID string) (*shopware.Transaction, error) {
	var data []byte
	err := r.q.QueryRowContext(ctx, `SELECT data FROM shopware_transactions WHERE account_id = ? AND shop_id = ? AND transaction_id = ?`,
		accountID, shopID, transactionID).Scan(&data)
	if err != nil {
		return nil, notFound(err)
	}
	return store.Decode[shopware.Transaction](data)
}

func (r *reader) ShopwareTransactionByIntent(ctx context.Context, accountID, intentID string) (*shopware.Transaction, error) {
	var data []byte
	err := r.q.QueryRowContext(ctx, `SELECT data FROM shopware_transactions WHERE account_id = ? AND intent_id = ?`,
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
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO shopware_shops (account_id, shop_id, created, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, shop_id) DO UPDATE SET data = excluded.data`,
		s.AccountID, s.ShopID, nanos(s.Created), data)
	return err
}

func (t *txn) InsertShopwareTransaction(ctx context.Context, tr *shopware.Transaction) error {
	data, err := json.Marshal(tr)
	if err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `
		INSERT INTO shopware_transactions (account_id, shop_id, transaction_id, intent_id, created, data)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		tr.AccountID, tr.ShopID, tr.TransactionID, tr.IntentID, nanos(tr.Created), data)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return store.ErrConflict
	}
	return nil
}

func (t *txn) UpdateShopwareTransaction(ctx context.Context, tr *shopware.Transaction) error {
	data, err := json.Marshal(tr)
	if err != nil {
		return err
	}
	return expectOne(t.tx.ExecContext(ctx, `
		UPDATE shopware_transactions SET intent_id = ?, data = ? WHERE account_id = ? AND shop_id = ? AND transaction_id = ?`,
		tr.IntentID, data, tr.AccountID, tr.ShopID, tr.TransactionID))
}
