package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"kassa/internal/store"
	"kassa/internal/webhooks"
)

func (r *reader) WebhookEndpoint(ctx context.Context, accountID, id string) (*webhooks.Endpoint, error) {
	return document[webhooks.Endpoint](ctx, r.q, "webhook_endpoints", accountID, id)
}

func (r *reader) ListWebhookEndpoints(ctx context.Context, accountID string, q store.ListQuery) ([]*webhooks.Endpoint, bool, error) {
	return listDocuments[webhooks.Endpoint](ctx, r.q, "webhook_endpoints", accountID, q, nil)
}

func (r *reader) AccountWebhookEndpoints(ctx context.Context, accountID string) ([]*webhooks.Endpoint, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT data FROM webhook_endpoints WHERE account_id = ? ORDER BY seq`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*webhooks.Endpoint
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		e, err := store.Decode[webhooks.Endpoint](data)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

const deliveryColumns = `id, account_id, endpoint_id, event_id, status, attempts, next_attempt_at, claim, lease_until, created`

func scanDelivery(scan func(...any) error) (*webhooks.Delivery, error) {
	var d webhooks.Delivery
	var next, lease sql.NullInt64
	var claim sql.NullString
	var created int64
	if err := scan(&d.ID, &d.AccountID, &d.EndpointID, &d.EventID, &d.Status, &d.Attempts, &next, &claim, &lease, &created); err != nil {
		return nil, err
	}
	if next.Valid {
		d.NextAttemptAt = fromNanos(next.Int64)
	}
	if lease.Valid {
		d.LeaseUntil = fromNanos(lease.Int64)
	}
	d.Claim, d.Created = claim.String, fromNanos(created)
	return &d, nil
}

func (r *reader) ListDeliveries(ctx context.Context, accountID string, q store.ListQuery) ([]*webhooks.Delivery, bool, error) {
	var extra []filter
	if q.Endpoint != "" {
		extra = append(extra, filter{"endpoint_id = ?", []any{q.Endpoint}})
	}
	if q.Event != "" {
		extra = append(extra, filter{"event_id = ?", []any{q.Event}})
	}
	items, more, err := list(ctx, r.q, "webhook_deliveries", deliveryColumns, accountID, q, extra, func(rows *sql.Rows) (*webhooks.Delivery, error) {
		return scanDelivery(rows.Scan)
	})
	if err != nil || len(items) == 0 {
		return items, more, err
	}
	byID := make(map[string]*webhooks.Delivery, len(items))
	args := make([]any, len(items))
	for i, d := range items {
		byID[d.ID], args[i] = d, d.ID
	}
	rows, err := r.q.QueryContext(ctx, `
		SELECT delivery_id, number, at, status_code, latency, error FROM webhook_attempts
		WHERE delivery_id IN (`+marks(len(args))+`) ORDER BY delivery_id, number`, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var a webhooks.Attempt
		var at, latency int64
		if err := rows.Scan(&a.DeliveryID, &a.Number, &at, &a.StatusCode, &latency, &a.Error); err != nil {
			return nil, false, err
		}
		a.At, a.Latency = fromNanos(at), time.Duration(latency)
		d := byID[a.DeliveryID]
		d.History = append(d.History, a)
	}
	return items, more, rows.Err()
}

func (r *reader) DeliveryBacklog(ctx context.Context, now time.Time) (store.Backlog, error) {
	var b store.Backlog
	var oldest sql.NullInt64
	err := r.q.QueryRowContext(ctx, `
		SELECT count(*),
		       coalesce(sum(next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)), 0),
		       min(CASE WHEN next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1) THEN next_attempt_at END)
		FROM webhook_deliveries WHERE status = 'pending'`, nanos(now)).Scan(&b.Pending, &b.Due, &oldest)
	if oldest.Valid {
		b.OldestDue = fromNanos(oldest.Int64)
	}
	return b, err
}

func (r *reader) DeliveryDue(ctx context.Context, now time.Time) (bool, error) {
	var due bool
	err := r.q.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM webhook_deliveries
		               WHERE status = 'pending' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1))`,
		nanos(now)).Scan(&due)
	return due, err
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// AccountWebhookEndpoints reads an account's endpoints once per write
// transaction; the writes after the first in a batch share what it read.
func (t *txn) AccountWebhookEndpoints(ctx context.Context, accountID string) ([]*webhooks.Endpoint, error) {
	if eps, ok := t.endpoints[accountID]; ok {
		return eps, nil
	}
	eps, err := t.reader.AccountWebhookEndpoints(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if t.endpoints == nil {
		t.endpoints = map[string][]*webhooks.Endpoint{}
	}
	t.endpoints[accountID] = eps
	return eps, nil
}

func (t *txn) InsertWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error {
	t.endpoints = nil
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (id, account_id, created, data) VALUES (?, ?, ?, ?)`,
		e.ID, e.AccountID, nanos(e.Created), data)
	return err
}

func (t *txn) UpdateWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error {
	t.endpoints = nil
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return expectOne(t.tx.ExecContext(ctx, `UPDATE webhook_endpoints SET data = ? WHERE account_id = ? AND id = ?`, data, e.AccountID, e.ID))
}

func (t *txn) DeleteWebhookEndpoint(ctx context.Context, accountID, id string) error {
	t.endpoints = nil
	if err := expectOne(t.tx.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE account_id = ? AND id = ?`, accountID, id)); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `
		UPDATE webhook_deliveries SET status = 'canceled', next_attempt_at = NULL, claim = NULL, lease_until = NULL
		WHERE account_id = ? AND endpoint_id = ? AND status = 'pending'`, accountID, id)
	return err
}

// InsertDeliveries inserts new deliveries, unclaimed or already leased,
// with as few statements as insertRows needs.
func (t *txn) InsertDeliveries(ctx context.Context, ds []*webhooks.Delivery) error {
	return t.insertRows(ctx, `webhook_deliveries (`+deliveryColumns+`)`, 10, len(ds), func(i int) ([]any, error) {
		d := ds[i]
		claim, lease := leaseColumns(d.Claim, d.LeaseUntil)
		return []any{d.ID, d.AccountID, d.EndpointID, d.EventID, d.Status, d.Attempts, nanos(d.NextAttemptAt),
			claim, lease, nanos(d.Created)}, nil
	})
}

// leaseColumns are a lease's claim and lease_until columns: both NULL
// when there is no claim.
func leaseColumns(claim string, until time.Time) (any, any) {
	if claim == "" {
		return nil, nil
	}
	return claim, nanos(until)
}

// ClaimDeliveries takes up to each endpoint's share of its oldest due rows
// (its index probe costs the same however long other endpoints' backlogs
// are), then interleaves them: every endpoint's first before any
// endpoint's second, endpoints that have waited longest first. So one
// endpoint's backlog cannot starve another's. Leases still running count
// against an endpoint's share. BEGIN IMMEDIATE makes select-then-update
// atomic here; PostgreSQL does the same with FOR UPDATE SKIP LOCKED.
func (t *txn) ClaimDeliveries(ctx context.Context, c store.Claim) ([]*webhooks.Delivery, error) {
	now := nanos(c.Now)
	endpoints, err := t.column(ctx, `SELECT id FROM webhook_endpoints`)
	if err != nil {
		return nil, err
	}
	type queue struct {
		oldest int64
		seqs   []int64
	}
	var queues []queue
	for _, id := range endpoints {
		rows, err := t.tx.QueryContext(ctx, `
			SELECT seq, next_attempt_at FROM webhook_deliveries
			WHERE endpoint_id = ?1 AND status = 'pending' AND next_attempt_at <= ?2 AND (lease_until IS NULL OR lease_until <= ?2)
			ORDER BY next_attempt_at, seq
			LIMIT max(0, ?3 - (SELECT count(*) FROM webhook_deliveries
			                   WHERE endpoint_id = ?1 AND status = 'pending' AND lease_until > ?2))`, id, now, c.PerEndpoint)
		if err != nil {
			return nil, err
		}
		var q queue
		for rows.Next() {
			var seq, due int64
			if err := rows.Scan(&seq, &due); err != nil {
				rows.Close()
				return nil, err
			}
			if len(q.seqs) == 0 {
				q.oldest = due
			}
			q.seqs = append(q.seqs, seq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(q.seqs) > 0 {
			queues = append(queues, q)
		}
	}
	sort.SliceStable(queues, func(i, j int) bool { return queues[i].oldest < queues[j].oldest })
	var seqs []any
	for rank := 0; len(seqs) < c.Limit; rank++ {
		took := false
		for _, q := range queues {
			if rank < len(q.seqs) && len(seqs) < c.Limit {
				seqs, took = append(seqs, q.seqs[rank]), true
			}
		}
		if !took {
			break
		}
	}
	if len(seqs) == 0 {
		return nil, nil
	}
	args := append([]any{c.Claim, nanos(c.LeaseUntil)}, seqs...)
	rows, err := t.tx.QueryContext(ctx, `
		UPDATE webhook_deliveries SET claim = ?, lease_until = ? WHERE seq IN (`+marks(len(seqs))+`)
		RETURNING `+deliveryColumns, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*webhooks.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// column reads a one-column query's strings.
func (r *reader) column(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RecordOutcomes updates each delivery its claim still holds, then adds
// their attempts with as few statements as insertRows needs (a sender's
// drain records many at once).
func (t *txn) RecordOutcomes(ctx context.Context, outcomes []webhooks.Outcome) (int, error) {
	applied := make([]webhooks.Outcome, 0, len(outcomes))
	for _, o := range outcomes {
		var next any
		if o.Status == webhooks.DeliveryPending {
			next = nanos(o.NextAttemptAt)
		}
		res, err := t.tx.ExecContext(ctx, `
			UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, claim = NULL, lease_until = NULL
			WHERE id = ? AND claim = ? AND status = 'pending'`, o.Status, o.Attempt.Number, next, o.DeliveryID, o.Claim)
		if err != nil {
			return 0, err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return 0, err
			}
			continue // the lease ran out and another sender holds it now
		}
		applied = append(applied, o)
	}
	err := t.insertRows(ctx, `webhook_attempts (delivery_id, number, at, status_code, latency, error)`, 6, len(applied), func(i int) ([]any, error) {
		o, a := applied[i], applied[i].Attempt
		return []any{o.DeliveryID, a.Number, nanos(a.At), a.StatusCode, int64(a.Latency), a.Error}, nil
	})
	if err != nil {
		return 0, err
	}
	return len(applied), nil
}
