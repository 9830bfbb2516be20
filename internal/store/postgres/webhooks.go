package postgres

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// WebhookEndpoint locks the endpoint in a write transaction: it is loaded
// to be updated.
func (r *reader) WebhookEndpoint(ctx context.Context, accountID, id string) (*webhooks.Endpoint, error) {
	return document[webhooks.Endpoint](ctx, r, "webhook_endpoints", accountID, id, true)
}

func (r *reader) ListWebhookEndpoints(ctx context.Context, accountID string, q store.ListQuery) ([]*webhooks.Endpoint, bool, error) {
	return listDocuments[webhooks.Endpoint](ctx, r.q, "webhook_endpoints", accountID, q, nil)
}

// AccountWebhookEndpoints takes no locks: recording an event reads the
// endpoints it fans out to, and must not queue behind (or block) senders
// and updates of those endpoints.
func (r *reader) AccountWebhookEndpoints(ctx context.Context, accountID string) ([]*webhooks.Endpoint, error) {
	rows, err := r.q.Query(ctx, `SELECT data FROM webhook_endpoints WHERE account_id = $1 ORDER BY seq`, accountID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*webhooks.Endpoint, error) {
		var data []byte
		if err := row.Scan(&data); err != nil {
			return nil, err
		}
		return store.Decode[webhooks.Endpoint](data)
	})
}

const deliveryColumns = `id, account_id, endpoint_id, event_id, status, attempts, next_attempt_at, claim, lease_until, created`

func scanDelivery(row pgx.Row) (*webhooks.Delivery, error) {
	var d webhooks.Delivery
	var next, lease *int64
	var claim *string
	var created int64
	if err := row.Scan(&d.ID, &d.AccountID, &d.EndpointID, &d.EventID, &d.Status, &d.Attempts, &next, &claim, &lease, &created); err != nil {
		return nil, err
	}
	if next != nil {
		d.NextAttemptAt = fromNanos(*next)
	}
	if lease != nil {
		d.LeaseUntil = fromNanos(*lease)
	}
	if claim != nil {
		d.Claim = *claim
	}
	d.Created = fromNanos(created)
	return &d, nil
}

func (r *reader) ListDeliveries(ctx context.Context, accountID string, q store.ListQuery) ([]*webhooks.Delivery, bool, error) {
	var extra []filter
	if q.Endpoint != "" {
		extra = append(extra, filter{"endpoint_id = %s", q.Endpoint})
	}
	if q.Event != "" {
		extra = append(extra, filter{"event_id = %s", q.Event})
	}
	items, more, err := list(ctx, r.q, "webhook_deliveries", deliveryColumns, accountID, q, extra, scanDelivery)
	if err != nil || len(items) == 0 {
		return items, more, err
	}
	byID := make(map[string]*webhooks.Delivery, len(items))
	ids := make([]string, len(items))
	for i, d := range items {
		byID[d.ID], ids[i] = d, d.ID
	}
	rows, err := r.q.Query(ctx, `
		SELECT delivery_id, number, at, status_code, latency, error FROM webhook_attempts
		WHERE delivery_id = ANY($1) ORDER BY delivery_id, number`, ids)
	if err != nil {
		return nil, false, err
	}
	attempts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (webhooks.Attempt, error) {
		var a webhooks.Attempt
		var at, latency int64
		err := row.Scan(&a.DeliveryID, &a.Number, &at, &a.StatusCode, &latency, &a.Error)
		a.At, a.Latency = fromNanos(at), time.Duration(latency)
		return a, err
	})
	if err != nil {
		return nil, false, err
	}
	for _, a := range attempts {
		d := byID[a.DeliveryID]
		d.History = append(d.History, a)
	}
	return items, more, nil
}

func (r *reader) DeliveryBacklog(ctx context.Context, now time.Time) (store.Backlog, error) {
	var b store.Backlog
	var oldest *int64
	err := r.q.QueryRow(ctx, `
		SELECT count(*),
		       count(*) FILTER (WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)),
		       min(next_attempt_at) FILTER (WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1))
		FROM webhook_deliveries WHERE status = 'pending'`, nanos(now)).Scan(&b.Pending, &b.Due, &oldest)
	if oldest != nil {
		b.OldestDue = fromNanos(*oldest)
	}
	return b, err
}

func (r *reader) DeliveryDue(ctx context.Context, now time.Time) (bool, error) {
	var due bool
	err := r.q.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM webhook_deliveries
		               WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1))`,
		nanos(now)).Scan(&due)
	return due, err
}

func (t *txn) InsertWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO webhook_endpoints (id, account_id, created, data) VALUES ($1, $2, $3, $4)`,
		e.ID, e.AccountID, nanos(e.Created), string(data))
	return err
}

func (t *txn) UpdateWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return expectOne(t.tx.Exec(ctx, `UPDATE webhook_endpoints SET data = $1 WHERE account_id = $2 AND id = $3`, string(data), e.AccountID, e.ID))
}

func (t *txn) DeleteWebhookEndpoint(ctx context.Context, accountID, id string) error {
	if err := expectOne(t.tx.Exec(ctx, `DELETE FROM webhook_endpoints WHERE account_id = $1 AND id = $2`, accountID, id)); err != nil {
		return err
	}
	// Rows locked in id order, as RecordOutcomes locks them: two
	// statements changing the same rows in different orders deadlock.
	_, err := t.tx.Exec(ctx, `
		UPDATE webhook_deliveries SET status = 'canceled', next_attempt_at = NULL, claim = NULL, lease_until = NULL
		WHERE id IN (SELECT id FROM webhook_deliveries WHERE account_id = $1 AND endpoint_id = $2 AND status = 'pending'
		             ORDER BY id FOR UPDATE)`, accountID, id)
	return err
}

// InsertDeliveries inserts new deliveries, unclaimed or already leased.
func (t *txn) InsertDeliveries(ctx context.Context, ds []*webhooks.Delivery) error {
	for _, d := range ds {
		claim, lease := leaseColumns(d.Claim, d.LeaseUntil)
		err := t.tx.queue(nil, `INSERT INTO webhook_deliveries (`+deliveryColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			d.ID, d.AccountID, d.EndpointID, d.EventID, d.Status, d.Attempts, nanos(d.NextAttemptAt), claim, lease, nanos(d.Created))
		if err != nil {
			return err
		}
	}
	return nil
}

// ClaimDeliveries locks the endpoints that have due deliveries, skipping
// those another sender (in this process or another) is claiming for right
// now, so each endpoint's queue and its share of leases are decided by one
// sender at a time. Within them it takes each endpoint's oldest due rows up
// to its share (an index probe per endpoint), interleaves them (every
// endpoint's first before any endpoint's second, endpoints that waited
// longest first) and leases them.
func (t *txn) ClaimDeliveries(ctx context.Context, c store.Claim) ([]*webhooks.Delivery, error) {
	now := nanos(c.Now)
	// Lock first, read after, in two statements: a statement reads the
	// snapshot it started with, so only a read that starts once the locks
	// are held sees the leases of the sender that held them before.
	rows, err := t.tx.Query(ctx, `
		SELECT e.id FROM webhook_endpoints e
		WHERE EXISTS (SELECT 1 FROM webhook_deliveries d
		              WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= $1
		                AND (d.lease_until IS NULL OR d.lease_until <= $1))
		FOR UPDATE OF e SKIP LOCKED`, now)
	if err != nil {
		return nil, err
	}
	endpoints, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(endpoints) == 0 {
		return nil, err
	}
	rows, err = t.tx.Query(ctx, `
		SELECT q.endpoint_id, q.seq, q.next_attempt_at FROM unnest($3::text[]) AS e(id) CROSS JOIN LATERAL (
			SELECT d.endpoint_id, d.seq, d.next_attempt_at FROM webhook_deliveries d
			WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= $1
			  AND (d.lease_until IS NULL OR d.lease_until <= $1)
			ORDER BY d.next_attempt_at, d.seq
			LIMIT greatest(0, $2 - (SELECT count(*) FROM webhook_deliveries l
			                        WHERE l.endpoint_id = e.id AND l.status = 'pending' AND l.lease_until > $1))
		) q
		ORDER BY q.endpoint_id, q.next_attempt_at, q.seq`, now, c.PerEndpoint, endpoints)
	if err != nil {
		return nil, err
	}
	type candidate struct {
		endpoint string
		seq, due int64
	}
	candidates, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (candidate, error) {
		var cd candidate
		err := row.Scan(&cd.endpoint, &cd.seq, &cd.due)
		return cd, err
	})
	if err != nil {
		return nil, err
	}
	type queue struct {
		oldest int64
		seqs   []int64
	}
	var queues []*queue
	for i, cd := range candidates {
		if i == 0 || cd.endpoint != candidates[i-1].endpoint {
			queues = append(queues, &queue{oldest: cd.due})
		}
		q := queues[len(queues)-1]
		q.seqs = append(q.seqs, cd.seq)
	}
	sort.SliceStable(queues, func(i, j int) bool { return queues[i].oldest < queues[j].oldest })
	var seqs []int64
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
	// Rows locked in id order, as RecordOutcomes locks them: another
	// sender may be recording outcomes for some of these rows under a
	// lease that has just run out.
	rows, err = t.tx.Query(ctx, `
		WITH locked AS (
			SELECT seq FROM webhook_deliveries
			WHERE seq = ANY($3) AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $4)
			ORDER BY id FOR UPDATE
		)
		UPDATE webhook_deliveries SET claim = $1, lease_until = $2
		WHERE seq IN (SELECT seq FROM locked) AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $4)
		RETURNING `+deliveryColumns, c.Claim, nanos(c.LeaseUntil), seqs, now)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*webhooks.Delivery, error) { return scanDelivery(row) })
}

// RecordOutcomes applies, in one statement, each outcome whose claim still
// holds and adds its attempt: a sender's drain records dozens at once, and
// a statement each cost two round trips per delivery.
func (t *txn) RecordOutcomes(ctx context.Context, outcomes []webhooks.Outcome) (int, error) {
	var (
		ids, claims, statuses, errs []string
		numbers, codes              []int32
		nexts                       []*int64
		ats, latencies              []int64
	)
	// A delivery may come twice, from a sender whose lease ran out and
	// from the one holding it now: only the holder's claim matches.
	type held struct{ delivery, claim string }
	seen := make(map[held]bool, len(outcomes))
	for _, o := range outcomes {
		if seen[held{o.DeliveryID, o.Claim}] {
			continue // the first took the claim: the same again finds none
		}
		seen[held{o.DeliveryID, o.Claim}] = true
		var next *int64
		if o.Status == webhooks.DeliveryPending {
			n := nanos(o.NextAttemptAt)
			next = &n
		}
		a := o.Attempt
		ids, claims, statuses, errs = append(ids, o.DeliveryID), append(claims, o.Claim), append(statuses, o.Status), append(errs, a.Error)
		numbers, codes = append(numbers, int32(a.Number)), append(codes, int32(a.StatusCode))
		nexts, ats, latencies = append(nexts, next), append(ats, nanos(a.At)), append(latencies, int64(a.Latency))
	}
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := t.tx.Exec(ctx, `
		WITH o AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::int[], $8::bigint[], $9::text[])
				AS o(id, claim, status, number, next_attempt_at, at, status_code, latency, error)
		), locked AS (
			-- In id order, as DeleteWebhookEndpoint locks them.
			SELECT d.id FROM webhook_deliveries d JOIN o ON d.id = o.id AND d.claim = o.claim
			WHERE d.status = 'pending' ORDER BY d.id FOR UPDATE OF d
		), applied AS (
			UPDATE webhook_deliveries d
			SET status = o.status, attempts = o.number, next_attempt_at = o.next_attempt_at, claim = NULL, lease_until = NULL
			FROM o WHERE d.id = o.id AND d.claim = o.claim AND d.status = 'pending' AND d.id IN (SELECT id FROM locked)
			RETURNING d.id, o.claim
		)
		INSERT INTO webhook_attempts (delivery_id, number, at, status_code, latency, error)
		SELECT o.id, o.number, o.at, o.status_code, o.latency, o.error FROM o JOIN applied USING (id, claim)`,
		ids, claims, statuses, numbers, nexts, ats, codes, latencies, errs)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// leaseColumns are a lease's claim and lease_until columns: both NULL
// when there is no claim.
func leaseColumns(claim string, until time.Time) (*string, *int64) {
	if claim == "" {
		return nil, nil
	}
	l := nanos(until)
	return &claim, &l
}
