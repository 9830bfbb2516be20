package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"kassa/internal/checkout"
	"kassa/internal/store"
)

// Products, prices and Checkout Sessions.

// Product and Price lock the row in a write transaction, as every row
// that may be updated: sessions created from one price take turns on it.
// (A share lock would let them run side by side, but two updates of one
// price would then deadlock on upgrading their locks, again and again
// under retries.)
func (r *reader) Product(ctx context.Context, accountID, id string) (*checkout.Product, error) {
	return document[checkout.Product](ctx, r, "products", accountID, id, true)
}

func (r *reader) Price(ctx context.Context, accountID, id string) (*checkout.Price, error) {
	return document[checkout.Price](ctx, r, "prices", accountID, id, true)
}

func (r *reader) ListProducts(ctx context.Context, accountID string, q store.ListQuery) ([]*checkout.Product, bool, error) {
	return listDocuments[checkout.Product](ctx, r.q, "products", accountID, q, activeFilter(q))
}

func (r *reader) ListPrices(ctx context.Context, accountID string, q store.ListQuery) ([]*checkout.Price, bool, error) {
	extra := activeFilter(q)
	if q.Currency != "" {
		extra = append(extra, filter{"currency = %s", q.Currency})
	}
	if q.Product != "" {
		extra = append(extra, filter{"product_id = %s", q.Product})
	}
	if len(q.LookupKeys) > 0 {
		extra = append(extra, filter{"lookup_key = ANY(%s)", q.LookupKeys})
	}
	return listDocuments[checkout.Price](ctx, r.q, "prices", accountID, q, extra)
}

func activeFilter(q store.ListQuery) []filter {
	if q.Active == nil {
		return nil
	}
	return []filter{{"active = %s", *q.Active}}
}

// CheckoutSession, in a write transaction, locks the session's intent and
// then the session. Every command that changes both locks the intent
// first (an attempt's end completes its session in the intent's
// transaction), so taking them in that order here too means an expiry
// racing an approval waits instead of deadlocking.
func (r *reader) CheckoutSession(ctx context.Context, accountID, id string) (*checkout.Session, error) {
	if err := r.lockSessionIntent(ctx, `account_id = $1 AND id = $2`, accountID, id); err != nil {
		return nil, err
	}
	return document[checkout.Session](ctx, r, "checkout_sessions", accountID, id, true)
}

func (r *reader) CheckoutSessionByID(ctx context.Context, id string) (*checkout.Session, error) {
	if err := r.lockSessionIntent(ctx, `id = $1`, id); err != nil {
		return nil, err
	}
	var data []byte
	if err := r.q.QueryRow(ctx, `SELECT data FROM checkout_sessions WHERE id = $1`+r.forUpdate(), id).Scan(&data); err != nil {
		return nil, notFound(err)
	}
	return store.Decode[checkout.Session](data)
}

// lockSessionIntent locks the intent of the session where says, in a write
// transaction (a session's intent never changes).
func (r *reader) lockSessionIntent(ctx context.Context, where string, args ...any) error {
	if !r.lock {
		return nil
	}
	_, err := r.q.Exec(ctx, `
		SELECT 1 FROM payment_intents WHERE id = (SELECT payment_intent_id FROM checkout_sessions WHERE `+where+`)
		FOR UPDATE`, args...)
	return err
}

func (r *reader) ListCheckoutSessions(ctx context.Context, accountID string, q store.ListQuery) ([]*checkout.Session, bool, error) {
	var extra []filter
	if q.PaymentIntent != "" {
		extra = append(extra, filter{"payment_intent_id = %s", q.PaymentIntent})
	}
	if q.Status != "" {
		extra = append(extra, filter{"status = %s", q.Status})
	}
	return listDocuments[checkout.Session](ctx, r.q, "checkout_sessions", accountID, q, extra)
}

// OverdueCheckoutSessions is a plain read: whoever expires a session
// re-checks it in the write transaction that locks it.
func (r *reader) OverdueCheckoutSessions(ctx context.Context, now time.Time, limit int) ([]store.SessionRef, error) {
	return dueRefs(ctx, r.q, `
		SELECT account_id, id FROM checkout_sessions
		WHERE deadline IS NOT NULL AND deadline <= $1 ORDER BY deadline LIMIT $2`, nanos(now), limit)
}

func (t *txn) InsertProduct(ctx context.Context, p *checkout.Product) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO products (id, account_id, created, active, data) VALUES ($1, $2, $3, $4, $5)`,
		p.ID, p.AccountID, nanos(p.Created), p.Active, string(data))
	return err
}

func (t *txn) UpdateProduct(ctx context.Context, p *checkout.Product) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return expectOne(t.tx.Exec(ctx, `UPDATE products SET active = $1, data = $2 WHERE account_id = $3 AND id = $4`,
		p.Active, string(data), p.AccountID, p.ID))
}

// lookupKey is the lookup_key column: NULL unless the price holds its key uniquely.
func lookupKey(p *checkout.Price) *string {
	if k := p.UniqueLookupKey(); k != "" {
		return &k
	}
	return nil
}

func (t *txn) InsertPrice(ctx context.Context, p *checkout.Price) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO prices (id, account_id, created, active, product_id, currency, lookup_key, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.ID, p.AccountID, nanos(p.Created), p.Active, p.ProductID, p.Currency, lookupKey(p), string(data))
	return uniqueConflict(err)
}

func (t *txn) UpdatePrice(ctx context.Context, p *checkout.Price) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	tag, err := t.tx.Exec(ctx, `UPDATE prices SET active = $1, lookup_key = $2, data = $3 WHERE account_id = $4 AND id = $5`,
		p.Active, lookupKey(p), string(data), p.AccountID, p.ID)
	return expectOne(tag, uniqueConflict(err))
}

// uniqueConflict maps a violated unique index to store.ErrConflict. (The
// transaction is aborted then; the caller returns the error and it rolls back.)
func uniqueConflict(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return errors.Join(store.ErrConflict, err)
	}
	return err
}

// sessionColumns are the queryable columns derived from a session.
func sessionColumns(s *checkout.Session) (deadline *int64, data []byte, err error) {
	if d := s.Deadline(); !d.IsZero() {
		n := nanos(d)
		deadline = &n
	}
	data, err = json.Marshal(s)
	return deadline, data, err
}

func (t *txn) InsertCheckoutSession(ctx context.Context, s *checkout.Session) error {
	deadline, data, err := sessionColumns(s)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO checkout_sessions (id, account_id, created, status, payment_intent_id, deadline, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, s.AccountID, nanos(s.Created), s.Status(), s.PaymentIntentID, deadline, string(data))
	return err
}

func (t *txn) UpdateCheckoutSession(ctx context.Context, s *checkout.Session) error {
	deadline, data, err := sessionColumns(s)
	if err != nil {
		return err
	}
	return expectOne(t.tx.Exec(ctx, `
		UPDATE checkout_sessions SET status = $1, deadline = $2, data = $3 WHERE account_id = $4 AND id = $5`,
		s.Status(), deadline, string(data), s.AccountID, s.ID))
}
