package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"kassa/internal/store"
)

// bulkRows is the most rows one INSERT statement of InsertBulk carries:
// enough to amortize a statement's cost, well under SQLite's limit of
// 32766 bound values. Statements carry a power of two rows, so a table
// has at most nine statement texts for the writer to keep prepared.
const bulkRows = 256

// InsertBulk writes each kind with multi-row INSERTs, the columns the
// single-row inserts fill.
func (t *txn) InsertBulk(ctx context.Context, b store.Bulk) error {
	err := t.insertRows(ctx, `payment_methods (id, account_id, created, data)`, 4, len(b.PaymentMethods), func(i int) ([]any, error) {
		pm := b.PaymentMethods[i]
		data, err := json.Marshal(pm)
		return []any{pm.ID, pm.AccountID, nanos(pm.Created), data}, err
	})
	if err != nil {
		return err
	}
	err = t.insertRows(ctx, `payment_intents (id, account_id, created, status, attempt, deadline, data)`, 7, len(b.Intents), func(i int) ([]any, error) {
		pi := b.Intents[i]
		attempt, deadline, data, err := intentColumns(pi)
		return []any{pi.ID, pi.AccountID, nanos(pi.Created), pi.Status, attempt, deadline, data}, err
	})
	if err != nil {
		return err
	}
	err = t.insertRows(ctx, `charges (id, account_id, payment_intent_id, created, data)`, 5, len(b.Charges), func(i int) ([]any, error) {
		ch := b.Charges[i]
		data, err := json.Marshal(ch)
		return []any{ch.ID, ch.AccountID, ch.PaymentIntentID, nanos(ch.Created), data}, err
	})
	if err != nil {
		return err
	}
	err = t.insertRows(ctx, `balance_transactions (id, account_id, created, type, source, currency, available_on, net, data)`, 9, len(b.BalanceTransactions), func(i int) ([]any, error) {
		bt := b.BalanceTransactions[i]
		data, err := json.Marshal(bt)
		return []any{bt.ID, bt.AccountID, nanos(bt.Created), bt.Type, bt.Source, string(bt.Currency), nanos(bt.AvailableOn), bt.Net, data}, err
	})
	if err != nil {
		return err
	}
	return t.InsertEvents(ctx, b.Events)
}

// insertRows inserts n rows into target ("table (columns)"), up to
// bulkRows at a time; row gives the values of row i.
func (t *txn) insertRows(ctx context.Context, target string, cols, n int, row func(i int) ([]any, error)) error {
	one := "(" + placeholders(cols) + ")"
	// Sized for the first statement: events come one or two at a time,
	// and bulkRows·cols values are 36 KB to allocate and clear.
	args := make([]any, 0, min(n, bulkRows)*cols)
	for start, end := 0, 0; start < n; start = end {
		rows := bulkRows
		for rows > n-start {
			rows /= 2
		}
		end = start + rows
		args = args[:0]
		for i := start; i < end; i++ {
			values, err := row(i)
			if err != nil {
				return err
			}
			args = append(args, values...)
		}
		query := `INSERT INTO ` + target + ` VALUES ` + strings.Repeat(one+",", end-start-1) + one
		if _, err := t.tx.ExecContext(ctx, query, args...); err != nil {
			return err
		}
	}
	return nil
}
