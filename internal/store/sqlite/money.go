package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"

	"kassa/internal/ledger"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Refunds, disputes and balance transactions.

func (r *reader) Refund(ctx context.Context, accountID, id string) (*payments.Refund, error) {
	return document[payments.Refund](ctx, r.q, "refunds", accountID, id)
}

func (r *reader) ListRefunds(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.Refund, bool, error) {
	return listDocuments[payments.Refund](ctx, r.q, "refunds", accountID, q, paymentFilters(q))
}

// paymentFilters filter refunds and disputes by their charge and intent.
func paymentFilters(q store.ListQuery) []filter {
	var extra []filter
	if q.Charge != "" {
		extra = append(extra, filter{"charge_id = ?", []any{q.Charge}})
	}
	if q.PaymentIntent != "" {
		extra = append(extra, filter{"payment_intent_id = ?", []any{q.PaymentIntent}})
	}
	return extra
}

func (r *reader) DueRefunds(ctx context.Context, now time.Time, limit int) ([]store.ObjectRef, error) {
	return dueRefs(ctx, r.q, `
		SELECT account_id, id FROM refunds
		WHERE settle_at IS NOT NULL AND settle_at <= ? ORDER BY settle_at LIMIT ?`, nanos(now), limit)
}

func (r *reader) Dispute(ctx context.Context, accountID, id string) (*payments.Dispute, error) {
	return document[payments.Dispute](ctx, r.q, "disputes", accountID, id)
}

func (r *reader) ListDisputes(ctx context.Context, accountID string, q store.ListQuery) ([]*payments.Dispute, bool, error) {
	return listDocuments[payments.Dispute](ctx, r.q, "disputes", accountID, q, paymentFilters(q))
}

func (r *reader) BalanceTransaction(ctx context.Context, accountID, id string) (*ledger.Transaction, error) {
	return document[ledger.Transaction](ctx, r.q, "balance_transactions", accountID, id)
}

func (r *reader) ListBalanceTransactions(ctx context.Context, accountID string, q store.ListQuery) ([]*ledger.Transaction, bool, error) {
	var extra []filter
	if len(q.Types) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?,", len(q.Types)), ",")
		args := make([]any, len(q.Types))
		for i, t := range q.Types {
			args[i] = t
		}
		extra = append(extra, filter{"type IN (" + marks + ")", args})
	}
	if q.Source != "" {
		extra = append(extra, filter{"source = ?", []any{q.Source}})
	}
	if q.Currency != "" {
		extra = append(extra, filter{"currency = ?", []any{string(q.Currency)}})
	}
	return listDocuments[ledger.Transaction](ctx, r.q, "balance_transactions", accountID, q, extra)
}

func (r *reader) Balance(ctx context.Context, accountID string, now time.Time) ([]ledger.Balance, error) {
	rows, err := r.q.QueryContext(ctx, `
		SELECT currency,
		       COALESCE(SUM(CASE WHEN available_on <= ? THEN net END), 0),
		       COALESCE(SUM(CASE WHEN available_on > ? THEN net END), 0)
		FROM balance_transactions WHERE account_id = ? GROUP BY currency ORDER BY currency`,
		nanos(now), nanos(now), accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Balance
	for rows.Next() {
		var b ledger.Balance
		if err := rows.Scan(&b.Currency, &b.Available, &b.Pending); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// settleAt is the refunds.settle_at column: set only while pending.
func settleAt(r *payments.Refund) any {
	if r.Status != payments.RefundPending || r.SettleAt.IsZero() {
		return nil
	}
	return nanos(r.SettleAt)
}

func (t *txn) InsertRefund(ctx context.Context, r *payments.Refund) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO refunds (id, account_id, charge_id, payment_intent_id, created, status, settle_at, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.AccountID, r.ChargeID, r.PaymentIntentID, nanos(r.Created), r.Status, settleAt(r), data)
	return err
}

func (t *txn) UpdateRefund(ctx context.Context, r *payments.Refund) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return expectOne(t.tx.ExecContext(ctx, `UPDATE refunds SET status = ?, settle_at = ?, data = ? WHERE account_id = ? AND id = ?`,
		r.Status, settleAt(r), data, r.AccountID, r.ID))
}

func (t *txn) InsertDispute(ctx context.Context, d *payments.Dispute) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO disputes (id, account_id, charge_id, payment_intent_id, created, status, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.AccountID, d.ChargeID, d.PaymentIntentID, nanos(d.Created), d.Status, data)
	var se *sqlite3.Error
	if errors.As(err, &se) && se.Code() == sqlitelib.SQLITE_CONSTRAINT_UNIQUE {
		return store.ErrConflict
	}
	return err
}

func (t *txn) UpdateDispute(ctx context.Context, d *payments.Dispute) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return expectOne(t.tx.ExecContext(ctx, `UPDATE disputes SET status = ?, data = ? WHERE account_id = ? AND id = ?`,
		d.Status, data, d.AccountID, d.ID))
}

func (t *txn) InsertBalanceTransactions(ctx context.Context, txns []*ledger.Transaction) error {
	for _, b := range txns {
		data, err := json.Marshal(b)
		if err != nil {
			return err
		}
		_, err = t.tx.ExecContext(ctx, `
			INSERT INTO balance_transactions (id, account_id, created, type, source, currency, available_on, net, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			b.ID, b.AccountID, nanos(b.Created), b.Type, b.Source, string(b.Currency), nanos(b.AvailableOn), b.Net, data)
		if err != nil {
			return err
		}
	}
	return nil
}
