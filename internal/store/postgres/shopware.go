package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

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

// nullNanos is a nullable time column: NULL for the zero time.
func nullNanos(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := nanos(t)
	return &n
}

func (r *reader) ShopwarePushes(ctx context.Context, accountID string) ([]*shopware.Push, error) {
	rows, err := r.q.Query(ctx, `SELECT data FROM shopware_pushes WHERE account_id = $1 ORDER BY created, id`, accountID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*shopware.Push, error) {
		var data []byte
		if err := row.Scan(&data); err != nil {
			return nil, err
		}
		return store.Decode[shopware.Push](data)
	})
}

func (t *txn) InsertShopwarePush(ctx context.Context, p *shopware.Push) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO shopware_pushes (id, account_id, status, next_attempt_at, lease_until, created, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		p.ID, p.AccountID, p.Status, nullNanos(p.NextAttemptAt), nullNanos(p.LeaseUntil), nanos(p.Created), string(data))
	return err
}

// ClaimShopwarePushes skips rows another instance is claiming right now
// (SKIP LOCKED), so instances lease disjoint pushes without waiting.
func (t *txn) ClaimShopwarePushes(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]*shopware.Push, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT data FROM shopware_pushes
		WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
		ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`, nanos(now), limit)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*shopware.Push, error) {
		var data []byte
		if err := row.Scan(&data); err != nil {
			return nil, err
		}
		return store.Decode[shopware.Push](data)
	})
	if err != nil {
		return nil, err
	}
	for _, p := range out {
		p.Claim, p.LeaseUntil = claim, leaseUntil
		if err := t.savePush(ctx, p, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *txn) RecordShopwarePush(ctx context.Context, p *shopware.Push) error {
	claim := p.Claim
	if claim == "" {
		return store.ErrConflict
	}
	p.Claim, p.LeaseUntil = "", time.Time{}
	err := t.savePush(ctx, p, claim)
	if errors.Is(err, store.ErrNotFound) {
		return store.ErrConflict
	}
	return err
}

// savePush rewrites a push; with requireClaim, only while that claim holds.
func (t *txn) savePush(ctx context.Context, p *shopware.Push, requireClaim string) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	query := `UPDATE shopware_pushes SET status = $1, next_attempt_at = $2, lease_until = $3, data = $4 WHERE id = $5`
	args := []any{p.Status, nullNanos(p.NextAttemptAt), nullNanos(p.LeaseUntil), string(data), p.ID}
	if requireClaim != "" {
		query += ` AND data->>'claim' = $6`
		args = append(args, requireClaim)
	}
	return expectOne(t.tx.Exec(ctx, query, args...))
}

func (r *reader) ShopwareAgreement(ctx context.Context, accountID, shopID, subscriptionID string) (*shopware.Agreement, error) {
	var data []byte
	err := r.q.QueryRow(ctx, `SELECT data FROM shopware_agreements WHERE account_id = $1 AND shop_id = $2 AND subscription_id = $3`,
		accountID, shopID, subscriptionID).Scan(&data)
	if err != nil {
		return nil, notFound(err)
	}
	return store.Decode[shopware.Agreement](data)
}

func (t *txn) SaveShopwareAgreement(ctx context.Context, a *shopware.Agreement) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO shopware_agreements (account_id, shop_id, subscription_id, created, data) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id, shop_id, subscription_id) DO UPDATE SET data = excluded.data`,
		a.AccountID, a.ShopID, a.SubscriptionID, nanos(a.Created), string(data))
	return err
}
