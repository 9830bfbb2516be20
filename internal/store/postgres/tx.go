package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"kassa/internal/payments"
	"kassa/internal/store"
)

// txn is a write transaction; its reads lock (see reader).
type txn struct {
	reader
	tx      *pipe
	finally store.Finally
}

func (t *txn) Finally(fn func(committed bool)) { t.finally.Add(fn) }

func (t *txn) InsertAccount(ctx context.Context, a store.Account) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO accounts (id, name, api_version, created) VALUES ($1, $2, $3, $4)`,
		a.ID, a.Name, a.APIVersion, nanos(a.Created))
	return err
}

func (t *txn) InsertAPIKey(ctx context.Context, k store.APIKey) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO api_keys (hash, account_id, kind, livemode, last4, created) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.Hash, k.AccountID, k.Kind, k.Livemode, k.Last4, nanos(k.Created))
	return err
}

// intentColumns are the queryable columns derived from an intent.
func intentColumns(pi *payments.PaymentIntent) (attempt *string, deadline *int64, data []byte, err error) {
	if pi.Status == payments.RequiresAction && pi.Pending != nil {
		attempt = &pi.Pending.Attempt
		if d := pi.Pending.Deadline(); !d.IsZero() {
			n := nanos(d)
			deadline = &n
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
	return t.tx.queue(nil, `
		INSERT INTO payment_intents (id, account_id, created, status, attempt, deadline, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, pi.ID, pi.AccountID, nanos(pi.Created), pi.Status, attempt, deadline, string(data))
}

func (t *txn) UpdateIntent(ctx context.Context, pi *payments.PaymentIntent) error {
	attempt, deadline, data, err := intentColumns(pi)
	if err != nil {
		return err
	}
	return t.tx.queue(noRowAs(store.ErrNotFound), updateIntent, pi.Status, attempt, deadline, string(data), pi.AccountID, pi.ID)
}

func (t *txn) InsertCharge(ctx context.Context, ch *payments.Charge) error {
	data, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	return t.tx.queue(nil, `
		INSERT INTO charges (id, account_id, payment_intent_id, created, data) VALUES ($1, $2, $3, $4, $5)`,
		ch.ID, ch.AccountID, ch.PaymentIntentID, nanos(ch.Created), string(data))
}

func (t *txn) UpdateCharge(ctx context.Context, ch *payments.Charge) error {
	data, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	return t.tx.queue(noRowAs(store.ErrNotFound), updateCharge, string(data), ch.AccountID, ch.ID)
}

func (t *txn) InsertPaymentMethod(ctx context.Context, pm *payments.PaymentMethod) error {
	data, err := json.Marshal(pm)
	if err != nil {
		return err
	}
	return t.tx.queue(nil, `INSERT INTO payment_methods (id, account_id, created, data) VALUES ($1, $2, $3, $4)`,
		pm.ID, pm.AccountID, nanos(pm.Created), string(data))
}

func (t *txn) InsertEvents(ctx context.Context, events []*store.Event) error {
	for _, e := range events {
		objectType, data, err := store.EncodeObject(e.Object)
		if err != nil {
			return err
		}
		err = t.tx.queue(nil, `INSERT INTO events (`+eventColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			e.ID, e.AccountID, e.Type, e.APIVersion, nanos(e.Created), e.RequestID, e.IdempotencyKey, objectType, string(data))
		if err != nil {
			return err
		}
	}
	return nil
}

// ClaimIdempotencyKey inserts the claim unless the key exists; the primary
// key makes a concurrent insert from another instance wait for this one's
// transaction and then find the row. An existing row is read locked, so of
// two requests taking over a stale claim only the first does.
func (t *txn) ClaimIdempotencyKey(ctx context.Context, r store.IdempotentRequest, staleBefore time.Time) (*store.IdempotentRequest, error) {
	// Loops only when the row found in conflict is released before it can
	// be read; three rounds of that mean heavy contention: retry later.
	for range 3 {
		tag, err := t.tx.Exec(ctx, `
			INSERT INTO idempotency_keys (account_id, key, endpoint, params_hash, claim, status, body, created)
			VALUES ($1, $2, $3, $4, $5, 0, NULL, $6) ON CONFLICT (account_id, key) DO NOTHING`,
			r.AccountID, r.Key, r.Endpoint, r.ParamsHash, r.Claim, nanos(r.Created))
		if err != nil {
			return nil, err
		}
		if tag.RowsAffected() == 1 {
			return nil, nil
		}
		existing, err := t.IdempotentRequest(ctx, r.AccountID, r.Key)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if existing.Status == 0 && existing.Created.Before(staleBefore) {
			// The holder died mid-request: its effects, had they committed,
			// would have completed the key in the same transaction.
			_, err = t.tx.Exec(ctx, `
				UPDATE idempotency_keys SET endpoint = $1, params_hash = $2, claim = $3, created = $4
				WHERE account_id = $5 AND key = $6`, r.Endpoint, r.ParamsHash, r.Claim, nanos(r.Created), r.AccountID, r.Key)
			return nil, err
		}
		return existing, nil
	}
	return nil, store.ErrLockTimeout
}

// CompleteIdempotencyKey saves the response in the claim's row. It goes
// to the server with COMMIT, so the server itself refuses a claim that is
// not held (failIfNone), and the COMMIT does not happen.
func (t *txn) CompleteIdempotencyKey(ctx context.Context, r store.IdempotentRequest) error {
	return t.tx.queue(noRowAs(store.ErrConflict), completeIdempotencyKey, r.Status, r.Body, r.AccountID, r.Key, r.Claim)
}

// Updates that are queued (see pipe): each must change a row, which only
// the server can tell when the answer comes with later statements.
var (
	updateIntent = failIfNone(`UPDATE payment_intents SET status = $1, attempt = $2, deadline = $3, data = $4
		WHERE account_id = $5 AND id = $6`)
	updateCharge           = failIfNone(`UPDATE charges SET data = $1 WHERE account_id = $2 AND id = $3`)
	updateRefund           = failIfNone(`UPDATE refunds SET status = $1, settle_at = $2, data = $3 WHERE account_id = $4 AND id = $5`)
	completeIdempotencyKey = failIfNone(`UPDATE idempotency_keys SET status = $1, body = $2
		WHERE account_id = $3 AND key = $4 AND claim = $5 AND status = 0`)
)

// failIfNone makes an UPDATE fail on the server when it changes no row:
// the count of changed rows divides one, and zero raises division_by_zero.
// A queued statement must fail there to stop the batch (and a COMMIT in
// it); noRowAs turns that failure into the error callers know.
func failIfNone(update string) string {
	return "WITH changed AS (" + update + " RETURNING 1) SELECT 1 / count(*) FROM changed"
}

func noRowAs(target error) func(error) error {
	return func(err error) error {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "22012" { // division_by_zero: failIfNone changed no row
			return target
		}
		return err
	}
}

func (t *txn) PruneIdempotencyKeys(ctx context.Context, cutoff time.Time) (int, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created < $1`, nanos(cutoff))
	return int(tag.RowsAffected()), err
}

func expectOne(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return store.ErrNotFound
	}
	return nil
}

func (t *txn) UpdatePaymentMethod(ctx context.Context, pm *payments.PaymentMethod) error {
	data, err := json.Marshal(pm)
	if err != nil {
		return err
	}
	return expectOne(t.tx.Exec(ctx, `UPDATE payment_methods SET data = $1 WHERE account_id = $2 AND id = $3`, string(data), pm.AccountID, pm.ID))
}
