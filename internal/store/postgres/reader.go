package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"kassa/internal/payments"
	"kassa/internal/store"
)

// reader reads in a read transaction or, with lock, in a write transaction,
// where reads of rows that may be updated take their row locks.
type reader struct {
	q    *pipe
	lock bool
}

// forUpdate is the locking clause for a read of an updatable row.
func (r *reader) forUpdate() string {
	if r.lock {
		return " FOR UPDATE"
	}
	return ""
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

func (r *reader) AccountByKeyHash(ctx context.Context, hash string) (store.Account, store.APIKey, error) {
	var a store.Account
	var k store.APIKey
	var aCreated, kCreated int64
	err := r.q.QueryRow(ctx, `
		SELECT a.id, a.name, a.api_version, a.created, k.hash, k.kind, k.livemode, k.last4, k.created
		FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = $1`, hash).
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
	err := r.q.QueryRow(ctx, `SELECT id, name, api_version, created FROM accounts WHERE id = $1`, id).
		Scan(&a.ID, &a.Name, &a.APIVersion, &created)
	a.Created = fromNanos(created)
	return a, notFound(err)
}

// CountAccounts, in a write transaction, first locks the accounts table
// against inserts, so "create the first account if there is none" happens
// once however many instances start at the same time.
func (r *reader) CountAccounts(ctx context.Context) (int, error) {
	if r.lock {
		if _, err := r.q.Exec(ctx, `LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return 0, err
		}
	}
	var n int
	err := r.q.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n)
	return n, err
}

// document reads one JSON document by account and id; lock says whether
// the row may be updated in this transaction.
func document[T any](ctx context.Context, r *reader, table, accountID, id string, lock bool) (*T, error) {
	query := `SELECT data FROM ` + table + ` WHERE account_id = $1 AND id = $2`
	if lock {
		query += r.forUpdate()
	}
	var data []byte
	if err := r.q.QueryRow(ctx, query, accountID, id).Scan(&data); err != nil {
		return nil, notFound(err)
	}
	return store.Decode[T](data)
}

func (r *reader) Intent(ctx context.Context, accountID, id string) (*payments.PaymentIntent, error) {
	return document[payments.PaymentIntent](ctx, r, "payment_intents", accountID, id, true)
}

func (r *reader) IntentByAttempt(ctx context.Context, attempt string) (*payments.PaymentIntent, error) {
	var data []byte
	if err := r.q.QueryRow(ctx, `SELECT data FROM payment_intents WHERE attempt = $1`+r.forUpdate(), attempt).Scan(&data); err != nil {
		return nil, notFound(err)
	}
	return store.Decode[payments.PaymentIntent](data)
}

// OverdueIntents is a plain read: whoever expires an intent re-checks its
// deadline in the write transaction that locks it.
func (r *reader) OverdueIntents(ctx context.Context, now time.Time, limit int) ([]store.IntentRef, error) {
	return dueRefs(ctx, r.q, `
		SELECT account_id, id FROM payment_intents
		WHERE deadline IS NOT NULL AND deadline <= $1 ORDER BY deadline LIMIT $2`, nanos(now), limit)
}

// dueRefs runs a query listing (account_id, id) pairs of objects whose
// time has come: overdue intents and sessions, refunds to settle.
func dueRefs(ctx context.Context, q *pipe, query string, args ...any) ([]store.ObjectRef, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.ObjectRef, error) {
		var ref store.ObjectRef
		err := row.Scan(&ref.AccountID, &ref.ID)
		return ref, err
	})
}

func (r *reader) Charge(ctx context.Context, accountID, id string) (*payments.Charge, error) {
	return document[payments.Charge](ctx, r, "charges", accountID, id, true)
}

func (r *reader) PaymentMethod(ctx context.Context, accountID, id string) (*payments.PaymentMethod, error) {
	return document[payments.PaymentMethod](ctx, r, "payment_methods", accountID, id, false)
}

func (r *reader) ListIntents(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.PaymentIntent, bool, error) {
	return listDocuments[payments.PaymentIntent](ctx, r.q, "payment_intents", accountID, q, nil)
}

func (r *reader) ListCharges(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.Charge, bool, error) {
	var extra []filter
	if q.PaymentIntent != "" {
		extra = append(extra, filter{"payment_intent_id = %s", q.PaymentIntent})
	}
	return listDocuments[payments.Charge](ctx, r.q, "charges", accountID, q, extra)
}

func (r *reader) ListPaymentMethods(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.PaymentMethod, bool, error) {
	return listDocuments[payments.PaymentMethod](ctx, r.q, "payment_methods", accountID, q, nil)
}

const eventColumns = `id, account_id, type, api_version, created, request_id, idempotency_key, object_type, data`

// eventSelect reads an event with its count of deliveries still pending.
const eventSelect = eventColumns + `, (SELECT count(*) FROM webhook_deliveries d WHERE d.event_id = events.id AND d.status = 'pending')`

func scanEvent(row pgx.Row) (*store.Event, error) {
	var e store.Event
	var created int64
	var objectType string
	var data []byte
	if err := row.Scan(&e.ID, &e.AccountID, &e.Type, &e.APIVersion, &created, &e.RequestID, &e.IdempotencyKey, &objectType, &data, &e.PendingWebhooks); err != nil {
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
	e, err := scanEvent(r.q.QueryRow(ctx, `SELECT `+eventSelect+` FROM events WHERE account_id = $1 AND id = $2`, accountID, id))
	return e, notFound(err)
}

func (r *reader) ListEvents(ctx context.Context, accountID string, q store.ListQuery) ([]*store.Event, bool, error) {
	var extra []filter
	if len(q.Types) > 0 {
		extra = append(extra, filter{"type = ANY(%s)", q.Types})
	}
	return list(ctx, r.q, "events", eventSelect, accountID, q, extra, scanEvent)
}

func (r *reader) IdempotentRequest(ctx context.Context, accountID, key string) (*store.IdempotentRequest, error) {
	var ir store.IdempotentRequest
	var created int64
	err := r.q.QueryRow(ctx, `
		SELECT account_id, key, endpoint, params_hash, claim, status, body, created
		FROM idempotency_keys WHERE account_id = $1 AND key = $2`+r.forUpdate(), accountID, key).
		Scan(&ir.AccountID, &ir.Key, &ir.Endpoint, &ir.ParamsHash, &ir.Claim, &ir.Status, &ir.Body, &created)
	if err != nil {
		return nil, notFound(err)
	}
	ir.Created = fromNanos(created)
	return &ir, nil
}

// filter is an extra WHERE condition of a list: a condition with %s where
// its one argument's placeholder goes.
type filter struct {
	cond string
	arg  any
}

func listDocuments[T any](ctx context.Context, q *pipe, table, accountID string, lq store.ListQuery, extra []filter) ([]*T, bool, error) {
	return list(ctx, q, table, "data", accountID, lq, extra, func(row pgx.Row) (*T, error) {
		var data []byte
		if err := row.Scan(&data); err != nil {
			return nil, err
		}
		return store.Decode[T](data)
	})
}

// list pages through an account's rows newest first by seq. With
// ending_before it walks forward from the cursor and reverses, so the
// page is still newest first.
func list[T any](ctx context.Context, q *pipe, table, columns, accountID string, lq store.ListQuery, extra []filter, scan func(pgx.Row) (*T, error)) ([]*T, bool, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, fmt.Sprintf("$%d", len(args))))
	}
	add("account_id = %s", accountID)
	for _, f := range extra {
		add(f.cond, f.arg)
	}
	for _, b := range []struct {
		op string
		t  time.Time
	}{{">", lq.Created.GT}, {">=", lq.Created.GTE}, {"<", lq.Created.LT}, {"<=", lq.Created.LTE}} {
		if !b.t.IsZero() {
			add("created "+b.op+" %s", nanos(b.t))
		}
	}
	order := "DESC"
	cursor := lq.StartingAfter
	if lq.EndingBefore != "" {
		order, cursor = "ASC", lq.EndingBefore
	}
	if cursor != "" {
		var seq int64
		err := q.QueryRow(ctx, `SELECT seq FROM `+table+` WHERE account_id = $1 AND id = $2`, accountID, cursor).Scan(&seq)
		if err != nil {
			return nil, false, notFound(err)
		}
		cond := "seq < %s"
		if order == "ASC" {
			cond = "seq > %s"
		}
		add(cond, seq)
	}
	args = append(args, lq.Limit+1)
	query := fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY seq %s LIMIT $%d`, columns, table, strings.Join(where, " AND "), order, len(args))
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*T, error) { return scan(row) })
	if err != nil {
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
