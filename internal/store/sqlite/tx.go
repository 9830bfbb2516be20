package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// txn is a write transaction. Reads need no extra locking: BEGIN IMMEDIATE
// already holds SQLite's single write lock.
type txn struct {
	reader
	tx preparedTx
	// endpoints keeps AccountWebhookEndpoints for the rest of the
	// transaction: each write of a batch that records events asks for
	// them. Any change to an endpoint, and a write's rollback, forget it.
	endpoints map[string][]*webhooks.Endpoint
	// finally collects the running write's Finally callbacks.
	finally *store.Finally
}

func (t *txn) Finally(fn func(committed bool)) { t.finally.Add(fn) }

func (t *txn) InsertAccount(ctx context.Context, a store.Account) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO accounts (id, name, api_version, created) VALUES (?, ?, ?, ?)`,
		a.ID, a.Name, a.APIVersion, nanos(a.Created))
	return err
}

func (t *txn) InsertAPIKey(ctx context.Context, k store.APIKey) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO api_keys (hash, account_id, kind, livemode, last4, created) VALUES (?, ?, ?, ?, ?, ?)`,
		k.Hash, k.AccountID, k.Kind, k.Livemode, k.Last4, nanos(k.Created))
	return err
}

// intentColumns are the queryable columns derived from an intent.
func intentColumns(pi *payments.PaymentIntent) (attempt, deadline any, data []byte, err error) {
	if pi.Status == payments.RequiresAction && pi.Pending != nil {
		attempt = pi.Pending.Attempt
		if d := pi.Pending.Deadline(); !d.IsZero() {
			deadline = nanos(d)
		}
	}
	data, err = json.Marshal(pi)
	return attempt, deadline, data, err
}

func (t *txn) InsertIntent(ctx context.Context, pi *payments.PaymentIntent) error {
	attempt, deadline, data, err := intentColumns(pi)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO payment_intents (id, account_id, created, status, attempt, deadline, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, pi.ID, pi.AccountID, nanos(pi.Created), pi.Status, attempt, deadline, data)
	return err
}

func (t *txn) UpdateIntent(ctx context.Context, pi *payments.PaymentIntent) error {
	attempt, deadline, data, err := intentColumns(pi)
	if err != nil {
		return err
	}
	return expectOne(t.tx.ExecContext(ctx, `
		UPDATE payment_intents SET status = ?, attempt = ?, deadline = ?, data = ?
		WHERE account_id = ? AND id = ?`, pi.Status, attempt, deadline, data, pi.AccountID, pi.ID))
}

func (t *txn) InsertCharge(ctx context.Context, ch *payments.Charge) error {
	data, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO charges (id, account_id, payment_intent_id, created, data) VALUES (?, ?, ?, ?, ?)`,
		ch.ID, ch.AccountID, ch.PaymentIntentID, nanos(ch.Created), data)
	return err
}

func (t *txn) UpdateCharge(ctx context.Context, ch *payments.Charge) error {
	data, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	return expectOne(t.tx.ExecContext(ctx, `UPDATE charges SET data = ? WHERE account_id = ? AND id = ?`, data, ch.AccountID, ch.ID))
}

func (t *txn) InsertPaymentMethod(ctx context.Context, pm *payments.PaymentMethod) error {
	data, err := json.Marshal(pm)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO payment_methods (id, account_id, created, data) VALUES (?, ?, ?, ?)`,
		pm.ID, pm.AccountID, nanos(pm.Created), data)
	return err
}

// InsertEvents inserts a change's events (usually two or three) with as
// few statements as insertRows needs: one statement's fixed cost is about
// what a small row's insert costs.
func (t *txn) InsertEvents(ctx context.Context, events []*store.Event) error {
	return t.insertRows(ctx, `events (`+eventColumns+`)`, 9, len(events), func(i int) ([]any, error) {
		e := events[i]
		objectType, data, err := store.EncodeObject(e.Object)
		return []any{e.ID, e.AccountID, e.Type, e.APIVersion, nanos(e.Created), e.RequestID, e.IdempotencyKey, objectType, data}, err
	})
}

func (t *txn) ClaimIdempotencyKey(ctx context.Context, r store.IdempotentRequest, staleBefore time.Time) (*store.IdempotentRequest, error) {
	// Nearly every key is new: one insert claims it, and only a key seen
	// before costs a read. The single writer means no one else can take or
	// release the key between the insert and the read.
	res, err := t.tx.ExecContext(ctx, `
		INSERT INTO idempotency_keys (account_id, key, endpoint, params_hash, claim, status, body, created)
		VALUES (?, ?, ?, ?, ?, 0, NULL, ?) ON CONFLICT (account_id, key) DO NOTHING`,
		r.AccountID, r.Key, r.Endpoint, r.ParamsHash, r.Claim, nanos(r.Created))
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return nil, err
	}
	existing, err := t.IdempotentRequest(ctx, r.AccountID, r.Key)
	if err != nil {
		return nil, err
	}
	if existing.Status == 0 && existing.Created.Before(staleBefore) {
		// The holder died mid-request: its effects, had they committed,
		// would have completed the key in the same transaction.
		_, err = t.tx.ExecContext(ctx, `
			UPDATE idempotency_keys SET endpoint = ?, params_hash = ?, claim = ?, created = ?
			WHERE account_id = ? AND key = ?`, r.Endpoint, r.ParamsHash, r.Claim, nanos(r.Created), r.AccountID, r.Key)
		return nil, err
	}
	return existing, nil
}

func (t *txn) CompleteIdempotencyKey(ctx context.Context, r store.IdempotentRequest) error {
	res, err := t.tx.ExecContext(ctx, `
		UPDATE idempotency_keys SET status = ?, body = ? WHERE account_id = ? AND key = ? AND claim = ? AND status = 0`,
		r.Status, r.Body, r.AccountID, r.Key, r.Claim)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return store.ErrConflict
	}
	return nil
}

func (t *txn) PruneIdempotencyKeys(ctx context.Context, cutoff time.Time) (int, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created < ?`, nanos(cutoff))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func expectOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return store.ErrNotFound
	}
	return nil
}

func (t *txn) UpdatePaymentMethod(ctx context.Context, pm *payments.PaymentMethod) error {
	data, err := json.Marshal(pm)
	if err != nil {
		return err
	}
	return expectOne(t.tx.ExecContext(ctx, `UPDATE payment_methods SET data = ? WHERE account_id = ? AND id = ?`, data, pm.AccountID, pm.ID))
}
