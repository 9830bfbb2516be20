package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kassa/internal/payments"
	"kassa/internal/store"
)

// querier is what both a read and a write transaction offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

type reader struct{ q querier }

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

func (r *reader) AccountByKeyHash(ctx context.Context, hash string) (store.Account, store.APIKey, error) {
	var a store.Account
	var k store.APIKey
	var aCreated, kCreated int64
	err := r.q.QueryRowContext(ctx, `
		SELECT a.id, a.name, a.api_version, a.created, k.hash, k.kind, k.livemode, k.last4, k.created
		FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = ?`, hash).
		Scan(&a.ID, &a.Name, &a.APIVersion, &aCreated, &k.Hash, &k.Kind, &k.Livemode, &k.Last4, &kCreated)
	if err != nil {
		return a, k, notFound(err)
	}
	a.Created, k.Created, k.AccountID = fromNanos(aCreated), fromNanos(kCreated), a.ID
	return a, k, nil
}

func (r *reader) Account(ctx context.Context, id string) (store.Account, error) {
	var a store.Account
	var created int64
	err := r.q.QueryRowContext(ctx, `SELECT id, name, api_version, created FROM accounts WHERE id = ?`, id).
		Scan(&a.ID, &a.Name, &a.APIVersion, &created)
	a.Created = fromNanos(created)
	return a, notFound(err)
}

func (r *reader) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n)
	return n, err
}

// document reads one JSON document by account and id.
func document[T any](ctx context.Context, q querier, table, accountID, id string) (*T, error) {
	var data []byte
	err := q.QueryRowContext(ctx, `SELECT data FROM `+table+` WHERE account_id = ? AND id = ?`, accountID, id).Scan(&data)
	if err != nil {
		return nil, notFound(err)
	}
	return store.Decode[T](data)
}

func (r *reader) Intent(ctx context.Context, accountID, id string) (*payments.PaymentIntent, error) {
	return document[payments.PaymentIntent](ctx, r.q, "payment_intents", accountID, id)
}

func (r *reader) IntentByAttempt(ctx context.Context, attempt string) (*payments.PaymentIntent, error) {
	var data []byte
	if err := r.q.QueryRowContext(ctx, `SELECT data FROM payment_intents WHERE attempt = ?`, attempt).Scan(&data); err != nil {
		return nil, notFound(err)
	}
	return store.Decode[payments.PaymentIntent](data)
}

func (r *reader) OverdueIntents(ctx context.Context, now time.Time, limit int) ([]store.IntentRef, error) {
	return dueRefs(ctx, r.q, `
		SELECT account_id, id FROM payment_intents
		WHERE deadline IS NOT NULL AND deadline <= ? ORDER BY deadline LIMIT ?`, nanos(now), limit)
}

// dueRefs runs a query listing (account_id, id) pairs of objects whose
// time has come: overdue intents and sessions, refunds to settle.
func dueRefs(ctx context.Context, q querier, query string, args ...any) ([]store.ObjectRef, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ObjectRef
	for rows.Next() {
		var ref store.ObjectRef
		if err := rows.Scan(&ref.AccountID, &ref.ID); err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, rows.Err()
}

func (r *reader) Charge(ctx context.Context, accountID, id string) (*payments.Charge, error) {
	return document[payments.Charge](ctx, r.q, "charges", accountID, id)
}

func (r *reader) PaymentMethod(ctx context.Context, accountID, id string) (*payments.PaymentMethod, error) {
	return document[payments.PaymentMethod](ctx, r.q, "payment_methods", accountID, id)
}

func (r *reader) ListIntents(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.PaymentIntent, bool, error) {
	return listDocuments[payments.PaymentIntent](ctx, r.q, "payment_intents", accountID, q, nil)
}

func (r *reader) ListCharges(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.Charge, bool, error) {
	var extra []filter
	if q.PaymentIntent != "" {
		extra = append(extra, filter{"payment_intent_id = ?", []any{q.PaymentIntent}})
	}
	return listDocuments[payments.Charge](ctx, r.q, "charges", accountID, q, extra)
}

func (r *reader) ListPaymentMethods(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.PaymentMethod, bool, error) {
	return listDocuments[payments.PaymentMethod](ctx, r.q, "payment_methods", accountID, q, nil)
}

const eventColumns = `id, account_id, type, api_version, created, request_id, idempotency_key, object_type, data`

// eventSelect reads an event with its count of deliveries still pending.
const eventSelect = eventColumns + `, (SELECT count(*) FROM webhook_deliveries d WHERE d.event_id = events.id AND d.status = 'pending')`

func scanEvent(scan func(...any) error) (*store.Event, error) {
	var e store.Event
	var created int64
	var objectType string
	var data []byte
	if err := scan(&e.ID, &e.AccountID, &e.Type, &e.APIVersion, &created, &e.RequestID, &e.IdempotencyKey, &objectType, &data, &e.PendingWebhooks); err != nil {
		return nil, err
	}
	e.Created = fromNanos(created)
	obj, err := store.DecodeObject(objectType, data)
	if err != nil {
		return nil, err
	}
	e.Object = obj
	return &e, nil
}

func (r *reader) Event(ctx context.Context, accountID, id string) (*store.Event, error) {
	row := r.q.QueryRowContext(ctx, `SELECT `+eventSelect+` FROM events WHERE account_id = ? AND id = ?`, accountID, id)
	e, err := scanEvent(row.Scan)
	return e, notFound(err)
}

func (r *reader) ListEvents(ctx context.Context, accountID string, q store.ListQuery) ([]*store.Event, bool, error) {
	var extra []filter
	if len(q.Types) > 0 {
		marks := placeholders(len(q.Types))
		args := make([]any, len(q.Types))
		for i, t := range q.Types {
			args[i] = t
		}
		extra = append(extra, filter{"type IN (" + marks + ")", args})
	}
	return list(ctx, r.q, "events", eventSelect, accountID, q, extra, func(rows *sql.Rows) (*store.Event, error) {
		return scanEvent(rows.Scan)
	})
}

func (r *reader) IdempotentRequest(ctx context.Context, accountID, key string) (*store.IdempotentRequest, error) {
	var ir store.IdempotentRequest
	var created int64
	err := r.q.QueryRowContext(ctx, `
		SELECT account_id, key, endpoint, params_hash, claim, status, body, created
		FROM idempotency_keys WHERE account_id = ? AND key = ?`, accountID, key).
		Scan(&ir.AccountID, &ir.Key, &ir.Endpoint, &ir.ParamsHash, &ir.Claim, &ir.Status, &ir.Body, &created)
	if err != nil {
		return nil, notFound(err)
	}
	ir.Created = fromNanos(created)
	return &ir, nil
}

// filter is an extra WHERE condition of a list.
type filter struct {
	cond string
	args []any
}

func listDocuments[T any](ctx context.Context, q querier, table, accountID string, lq store.ListQuery, extra []filter) ([]*T, bool, error) {
	return list(ctx, q, table, "data", accountID, lq, extra, func(rows *sql.Rows) (*T, error) {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		return store.Decode[T](data)
	})
}

// list pages through an account's rows newest first by seq. With
// ending_before it walks forward from the cursor and reverses, so the
// page is still newest first.
func list[T any](ctx context.Context, q querier, table, columns, accountID string, lq store.ListQuery, extra []filter, scan func(*sql.Rows) (*T, error)) ([]*T, bool, error) {
	where := []string{"account_id = ?"}
	args := []any{accountID}
	for _, f := range extra {
		where = append(where, f.cond)
		args = append(args, f.args...)
	}
	for _, b := range []struct {
		op string
		t  time.Time
	}{{">", lq.Created.GT}, {">=", lq.Created.GTE}, {"<", lq.Created.LT}, {"<=", lq.Created.LTE}} {
		if !b.t.IsZero() {
			where = append(where, "created "+b.op+" ?")
			args = append(args, nanos(b.t))
		}
	}
	order := "DESC"
	cursor := lq.StartingAfter
	if lq.EndingBefore != "" {
		order, cursor = "ASC", lq.EndingBefore
	}
	if cursor != "" {
		var seq int64
		err := q.QueryRowContext(ctx, `SELECT seq FROM `+table+` WHERE account_id = ? AND id = ?`, accountID, cursor).Scan(&seq)
		if err != nil {
			return nil, false, notFound(err)
		}
		op := "<"
		if order == "ASC" {
			op = ">"
		}
		where = append(where, "seq "+op+" ?")
		args = append(args, seq)
	}
	query := fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY seq %s LIMIT ?`, columns, table, strings.Join(where, " AND "), order)
	args = append(args, lq.Limit+1)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	hasMore := len(out) > lq.Limit
	if hasMore {
		out = out[:lq.Limit]
	}
	if order == "ASC" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, hasMore, nil
}
