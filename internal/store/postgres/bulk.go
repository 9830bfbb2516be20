package postgres

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/jackc/pgx/v5"

	"kassa/internal/store"
)

// InsertBulk writes each kind with COPY, the columns the single-row
// inserts fill; identity columns number the rows in the order given.
func (t *txn) InsertBulk(ctx context.Context, b store.Bulk) error {
	err := t.copyRows(ctx, "payment_methods", []string{"id", "account_id", "created", "data"}, len(b.PaymentMethods), func(i int) ([]any, error) {
		pm := b.PaymentMethods[i]
		data, err := json.Marshal(pm)
		return []any{pm.ID, pm.AccountID, nanos(pm.Created), string(data)}, err
	})
	if err != nil {
		return err
	}
	err = t.copyRows(ctx, "payment_intents", []string{"id", "account_id", "created", "status", "attempt", "deadline", "data"}, len(b.Intents), func(i int) ([]any, error) {
		pi := b.Intents[i]
		attempt, deadline, data, err := intentColumns(pi)
		return []any{pi.ID, pi.AccountID, nanos(pi.Created), string(pi.Status), attempt, deadline, string(data)}, err
	})
	if err != nil {
		return err
	}
	err = t.copyRows(ctx, "charges", []string{"id", "account_id", "payment_intent_id", "created", "data"}, len(b.Charges), func(i int) ([]any, error) {
		ch := b.Charges[i]
		data, err := json.Marshal(ch)
		return []any{ch.ID, ch.AccountID, ch.PaymentIntentID, nanos(ch.Created), string(data)}, err
	})
	if err != nil {
		return err
	}
	err = t.copyRows(ctx, "balance_transactions", []string{"id", "account_id", "created", "type", "source", "currency", "available_on", "net", "data"}, len(b.BalanceTransactions), func(i int) ([]any, error) {
		bt := b.BalanceTransactions[i]
		data, err := json.Marshal(bt)
		return []any{bt.ID, bt.AccountID, nanos(bt.Created), bt.Type, bt.Source, string(bt.Currency), nanos(bt.AvailableOn), bt.Net, string(data)}, err
	})
	if err != nil {
		return err
	}
	return t.copyRows(ctx, "events", strings.Split(eventColumns, ", "), len(b.Events), func(i int) ([]any, error) {
		e := b.Events[i]
		objectType, data, err := store.EncodeObject(e.Object)
		return []any{e.ID, e.AccountID, e.Type, e.APIVersion, nanos(e.Created), e.RequestID, e.IdempotencyKey, objectType, string(data)}, err
	})
}

// copyRows copies n rows into table; row gives the values of row i.
func (t *txn) copyRows(ctx context.Context, table string, columns []string, n int, row func(i int) ([]any, error)) error {
	if n == 0 {
		return nil
	}
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, row))
	return err
}
