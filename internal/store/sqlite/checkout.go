package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"

	"kassa/internal/checkout"
	"kassa/internal/store"
)

// Products, prices and Checkout Sessions.

func (r *reader) Product(ctx context.Context, accountID, id string) (*checkout.Product, error) {
	return document[checkout.Product](ctx, r.q, "products", accountID, id)
}

func (r *reader) ListProducts(ctx context.Context, accountID string, q store.ListQuery) ([]*checkout.Product, bool, error) {
	return listDocuments[checkout.Product](ctx, r.q, "products", accountID, q, activeFilter(q))
}

func (r *reader) Price(ctx context.Context, accountID, id string) (*checkout.Price, error) {
	return document[checkout.Price](ctx, r.q, "prices", accountID, id)
}

func (r *reader) ListPrices(ctx context.Context, accountID string, q store.ListQuery) ([]*checkout.Price, bool, error) {
	extra := activeFilter(q)
	if q.Currency != "" {
		extra = append(extra, filter{"currency = ?", []any{q.Currency}})
	}
	if q.Product != "" {
		extra = append(extra, filter{"product_id = ?", []any{q.Product}})
	}
	if len(q.LookupKeys) > 0 {
		args := make([]any, len(q.LookupKeys))
		for i, k := range q.LookupKeys {
			args[i] = k
		}
		extra = append(extra, filter{"lookup_key IN (" + placeholders(len(args)) + ")", args})
	}
	return listDocuments[checkout.Price](ctx, r.q, "prices", accountID, q, extra)
}

func activeFilter(q store.ListQuery) []filter {
	if q.Active == nil {
		return nil
	}
	return []filter{{"active = ?", []any{*q.Active}}}
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func (r *reader) CheckoutSession(ctx context.Context, accountID, id string) (*checkout.Session, error) {
	return document[checkout.Session](ctx, r.q, "checkout_sessions", accountID, id)
}

func (r *reader) CheckoutSessionByID(ctx context.Context, id string) (*checkout.Session, error) {
	var data []byte
	if err := r.q.QueryRowContext(ctx, `SELECT data FROM checkout_sessions WHERE id = ?`, id).Scan(&data); err != nil {
		return nil, notFound(err)
	}
	return store.Decode[checkout.Session](data)
}

func (r *reader) ListCheckoutSessions(ctx context.Context, accountID string, q store.ListQuery) ([]*checkout.Session, bool, error) {
	var extra []filter
	if q.PaymentIntent != "" {
		extra = append(extra, filter{"payment_intent_id = ?", []any{q.PaymentIntent}})
	}
	if q.Status != "" {
		extra = append(extra, filter{"status = ?", []any{q.Status}})
	}
	return listDocuments[checkout.Session](ctx, r.q, "checkout_sessions", accountID, q, extra)
}

func (r *reader) OverdueCheckoutSessions(ctx context.Context, now time.Time, limit int) ([]store.SessionRef, error) {
	return dueRefs(ctx, r.q, `
		SELECT account_id, id FROM checkout_sessions
		WHERE deadline IS NOT NULL AND deadline <= ? ORDER BY deadline LIMIT ?`, nanos(now), limit)
}

func (t *txn) InsertProduct(ctx context.Context, p *checkout.Product) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO products (id, account_id, created, active, data) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.AccountID, nanos(p.Created), p.Active, data)
	return err
}

func (t *txn) UpdateProduct(ctx context.Context, p *checkout.Product) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return expectOne(t.tx.ExecContext(ctx, `UPDATE products SET active = ?, data = ? WHERE account_id = ? AND id = ?`,
		p.Active, data, p.AccountID, p.ID))
}

// lookupKey is the lookup_key column: NULL unless the price holds its key uniquely.
func lookupKey(p *checkout.Price) any {
	if k := p.UniqueLookupKey(); k != "" {
		return k
	}
	return nil
}

func (t *txn) InsertPrice(ctx context.Context, p *checkout.Price) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO prices (id, account_id, created, active, product_id, currency, lookup_key, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.AccountID, nanos(p.Created), p.Active, p.ProductID, p.Currency, lookupKey(p), data)
	return uniqueConflict(err)
}

func (t *txn) UpdatePrice(ctx context.Context, p *checkout.Price) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE prices SET active = ?, lookup_key = ?, data = ? WHERE account_id = ? AND id = ?`,
		p.Active, lookupKey(p), data, p.AccountID, p.ID)
	return expectOne(res, uniqueConflict(err))
}

// uniqueConflict maps a violated unique index to store.ErrConflict.
func uniqueConflict(err error) error {
	var se *sqlite3.Error
	if errors.As(err, &se) && se.Code() == sqlitelib.SQLITE_CONSTRAINT_UNIQUE {
		return errors.Join(store.ErrConflict, err)
	}
	return err
}

// sessionColumns are the queryable columns derived from a session.
func sessionColumns(s *checkout.Session) (deadline any, data []byte, err error) {
	if d := s.Deadline(); !d.IsZero() {
		deadline = nanos(d)
	}
	data, err = json.Marshal(s)
	return deadline, data, err
}

func (t *txn) InsertCheckoutSession(ctx context.Context, s *checkout.Session) error {
	deadline, data, err := sessionColumns(s)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO checkout_sessions (id, account_id, created, status, payment_intent_id, deadline, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, s.ID, s.AccountID, nanos(s.Created), s.Status(), s.PaymentIntentID, deadline, data)
	return err
}

func (t *txn) UpdateCheckoutSession(ctx context.Context, s *checkout.Session) error {
	deadline, data, err := sessionColumns(s)
	if err != nil {
		return err
	}
	return expectOne(t.tx.ExecContext(ctx, `
		UPDATE checkout_sessions SET status = ?, deadline = ?, data = ? WHERE account_id = ? AND id = ?`,
		s.Status(), deadline, data, s.AccountID, s.ID))
}
