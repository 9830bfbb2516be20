package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"time"

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

// nullNanos is a nullable time column: NULL for the zero time.
func nullNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return nanos(t)
}

func (r *reader) ShopwarePushes(ctx context.Context, accountID string) ([]*shopware.Push, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT data FROM shopware_pushes WHERE account_id = ? ORDER BY created, id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*shopware.Push
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		p, err := store.Decode[shopware.Push](data)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (t *txn) InsertShopwarePush(ctx context.Context, p *shopware.Push) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO shopware_pushes (id, account_id, status, next_attempt_at, lease_until, created, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.AccountID, p.Status, nullNanos(p.NextAttemptAt), nullNanos(p.LeaseUntil), nanos(p.Created), data)
	return err
}

// ClaimShopwarePushes runs in SQLite's single writer, so selecting and
// leasing in one transaction cannot race another claim.
func (t *txn) ClaimShopwarePushes(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]*shopware.Push, error) {
	rows, err := t.tx.QueryContext(ctx, `
		SELECT data FROM shopware_pushes
		WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
		ORDER BY next_attempt_at, id LIMIT ?`, nanos(now), nanos(now), limit)
	if err != nil {
		return nil, err
	}
	var out []*shopware.Push
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			rows.Close()
			return nil, err
		}
		p, err := store.Decode[shopware.Push](data)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
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
	query := `UPDATE shopware_pushes SET status = ?, next_attempt_at = ?, lease_until = ?, data = ? WHERE id = ?`
	args := []any{p.Status, nullNanos(p.NextAttemptAt), nullNanos(p.LeaseUntil), data, p.ID}
	if requireClaim != "" {
		query += ` AND json_extract(data, '$.claim') = ?`
		args = append(args, requireClaim)
	}
	return expectOne(t.tx.ExecContext(ctx, query, args...))
}

func (r *reader) ShopwareAgreement(ctx context.Context, accountID, shopID, subscriptionID string) (*shopware.Agreement, error) {
	var data []byte
	err := r.q.QueryRowContext(ctx, `SELECT data FROM shopware_agreements WHERE account_id = ? AND shop_id = ? AND subscription_id = ?`,
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
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO shopware_agreements (account_id, shop_id, subscription_id, created, data) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id, shop_id, subscription_id) DO UPDATE SET data = excluded.data`,
		a.AccountID, a.ShopID, a.SubscriptionID, nanos(a.Created), data)
	return err
}
