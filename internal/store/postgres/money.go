package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"kassa/internal/ledger"
	"kassa/internal/money"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Refunds, disputes and balance transactions. Refunds and disputes are
// read FOR UPDATE in a write transaction (their commands update them);
// balance transactions never change, so they are never locked.

func (r *reader) Refund(ctx context.Context, accountID, id string) (*payments.Refund, error) {
	return document[payments.Refund](ctx, r, "refunds", accountID, id, true)
}

func (r *reader) ListRefunds(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.Refund, bool, error) {
	return listDocuments[payments.Refund](ctx, r.q, "refunds", accountID, q, paymentFilters(q))
}

// paymentFilters filter refunds and disputes by their charge and intent.
func paymentFilters(q store.ListQuery) []filter {
	var extra []filter
	if q.Charge != "" {
		extra = append(extra, filter{"charge_id = %s", q.Charge})
	}
	if q.PaymentIntent != "" {
		extra = append(extra, filter{"payment_intent_id = %s", q.PaymentIntent})
	}
	return extra
}

// DueRefunds is a plain read: whoever completes a refund re-checks it in
// the write transaction that locks it.
func (r *reader) DueRefunds(ctx context.Context, now time.Time, limit int) ([]store.ObjectRef, error) {
	return dueRefs(ctx, r.q, `
		SELECT account_id, id FROM refunds
		WHERE settle_at IS NOT NULL AND settle_at <= $1 ORDER BY settle_at LIMIT $2`, nanos(now), limit)
}

func (r *reader) Dispute(ctx context.Context, accountID, id string) (*payments.Dispute, error) {
	return document[payments.Dispute](ctx, r, "disputes", accountID, id, true)
}

func (r *reader) ListDisputes(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.Dispute, bool, error) {
	return listDocuments[payments.Dispute](ctx, r.q, "disputes", accountID, q, paymentFilters(q))
}

func (r *reader) BalanceTransaction(ctx context.Context, accountID, id string) (*ledger.Transaction, error) {
	return document[ledger.Transaction](ctx, r, "balance_transactions", accountID, id, false)
}

func (r *reader) ListBalanceTransactions(ctx context.Context, accountID string, q store.ListQuery) ([]*ledger.Transaction, bool, error) {
	var extra []filter
	if len(q.Types) > 0 {
		extra = append(extra, filter{"type = ANY(%s)", q.Types})
	}
	if q.Source != "" {
		extra = append(extra, filter{"source = %s", q.Source})
	}
	if q.Currency != "" {
		extra = append(extra, filter{"currency = %s", string(q.Currency)})
	}
	return listDocuments[ledger.Transaction](ctx, r.q, "balance_transactions", accountID, q, extra)
}

func (r *reader) Balance(ctx context.Context, accountID string, now time.Time) ([]ledger.Balance, error) {
	rows, err := r.q.Query(ctx, `
		SELECT currency,
		       COALESCE(SUM(net) FILTER (WHERE available_on <= $1), 0)::BIGINT,
		       COALESCE(SUM(net) FILTER (WHERE available_on > $1), 0)::BIGINT
		FROM balance_transactions WHERE account_id = $2 GROUP BY currency ORDER BY currency`, nanos(now), accountID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ledger.Balance, error) {
		var b ledger.Balance
		var currency string
		err := row.Scan(&currency, &b.Available, &b.Pending)
		b.Currency = money.Currency(currency)
		return b, err
	})
}

// settleAt is the refunds.settle_at column: set only while pending.
func settleAt(r *payments.Refund) *int64 {
	if r.Status != payments.RefundPending || r.SettleAt.IsZero() {
		return nil
	}
	n := nanos(r.SettleAt)
	return &n
}

func (t *txn) InsertRefund(ctx context.Context, r *payments.Refund) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return t.tx.queue(nil, `
		INSERT INTO refunds (id, account_id, charge_id, payment_intent_id, created, status, settle_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		r.ID, r.AccountID, r.ChargeID, r.PaymentIntentID, nanos(r.Created), string(r.Status), settleAt(r), string(data))
}

func (t *txn) UpdateRefund(ctx context.Context, r *payments.Refund) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return t.tx.queue(noRowAs(store.ErrNotFound), updateRefund, string(r.Status), settleAt(r), string(data), r.AccountID, r.ID)
}

func (t *txn) InsertDispute(ctx context.Context, d *payments.Dispute) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO disputes (id, account_id, charge_id, payment_intent_id, created, status, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.ID, d.AccountID, d.ChargeID, d.PaymentIntentID, nanos(d.Created), string(d.Status), string(data))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation: the charge has a dispute
		return store.ErrConflict
	}
	return err
}

func (t *txn) UpdateDispute(ctx context.Context, d *payments.Dispute) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return expectOne(t.tx.Exec(ctx, `UPDATE disputes SET status = $1, data = $2 WHERE account_id = $3 AND id = $4`,
		string(d.Status), string(data), d.AccountID, d.ID))
}

func (t *txn) InsertBalanceTransactions(ctx context.Context, txns []*ledger.Transaction) error {
	for _, b := range txns {
		data, err := json.Marshal(b)
		if err != nil {
			return err
		}
		err = t.tx.queue(nil, `
			INSERT INTO balance_transactions (id, account_id, created, type, source, currency, available_on, net, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			b.ID, b.AccountID, nanos(b.Created), b.Type, b.Source, string(b.Currency), nanos(b.AvailableOn), b.Net, string(data))
		if err != nil {
			return err
		}
	}
	return nil
}
