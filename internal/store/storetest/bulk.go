package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"kassa/internal/ledger"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// bulkSize crosses the statement batches a store may split a bulk into.
const bulkSize = 450

// testBulkInsert: what InsertBulk writes reads back exactly as what the
// one-at-a-time inserts write, in the order given, beside them.
func testBulkInsert(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	account(t, s, "acct_2")
	write(t, s, func(tx store.Tx) error { return tx.InsertIntent(ctx, intent("acct_1", "pi_single_0", t0)) })

	pm := &payments.PaymentMethod{ID: "pm_1", AccountID: "acct_1", Type: methods.Sofort, Created: t0,
		BillingDetails: payments.BillingDetails{Address: payments.Address{Country: "DE"}}}
	var b store.Bulk
	b.PaymentMethods = append(b.PaymentMethods, pm)
	for i := range bulkSize {
		at := t0.Add(time.Duration(i+1) * time.Second)
		pi := intent("acct_1", fmt.Sprintf("pi_bulk_%03d", i), at)
		pi.PaymentMethodID = pm.ID
		b.Intents = append(b.Intents, pi)
		if i%3 == 0 {
			ch := &payments.Charge{ID: fmt.Sprintf("ch_bulk_%03d", i), AccountID: "acct_1", PaymentIntentID: pi.ID,
				Amount: pi.Amount, Currency: "eur", Status: payments.ChargeSucceeded, Created: at}
			b.Charges = append(b.Charges, ch)
			b.BalanceTransactions = append(b.BalanceTransactions, txn("acct_1", "txn_"+ch.ID, "charge", ch.ID, "eur", 1970, at, at.Add(48*time.Hour)))
			b.Events = append(b.Events, &store.Event{ID: "evt_" + ch.ID, AccountID: "acct_1", Type: payments.EventChargeSucceeded,
				APIVersion: "2025-08-27.basil", Created: at, Object: ch})
		}
	}
	// One waits for its customer: its attempt and deadline are queryable.
	waiting := b.Intents[7]
	waiting.Status = payments.RequiresAction
	waiting.Pending = &payments.Pending{Attempt: "att_bulk", Method: methods.Vipps, OpenBy: t0.Add(time.Hour)}
	// Another account's intent in the same bulk stays its own.
	b.Intents = append(b.Intents, intent("acct_2", "pi_other", t0))
	write(t, s, func(tx store.Tx) error { return tx.InsertBulk(ctx, b) })
	write(t, s, func(tx store.Tx) error {
		return tx.InsertIntent(ctx, intent("acct_1", "pi_single_1", t0.Add(time.Hour)))
	})

	read(t, s, func(r store.Reader) error {
		for _, want := range []*payments.PaymentIntent{b.Intents[0], waiting, b.Intents[bulkSize-1]} {
			got, err := r.Intent(ctx, "acct_1", want.ID)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("intent round trip:\n got %+v\nwant %+v\n%v", got, want, err)
			}
		}
		if _, err := r.Intent(ctx, "acct_1", "pi_other"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another account's bulk intent: %v", err)
		}
		if got, err := r.IntentByAttempt(ctx, "att_bulk"); err != nil || got.ID != waiting.ID {
			t.Errorf("by attempt: %v %v", got, err)
		}
		if due, err := r.OverdueIntents(ctx, t0.Add(2*time.Hour), 10); err != nil || len(due) != 1 || due[0].ID != waiting.ID {
			t.Errorf("overdue: %v %v", due, err)
		}
		if got, err := r.PaymentMethod(ctx, "acct_1", "pm_1"); err != nil || !reflect.DeepEqual(got, pm) {
			t.Errorf("payment method: %+v %v", got, err)
		}
		ch := b.Charges[len(b.Charges)-1]
		if got, err := r.Charge(ctx, "acct_1", ch.ID); err != nil || !reflect.DeepEqual(got, ch) {
			t.Errorf("charge:\n got %+v\nwant %+v\n%v", got, ch, err)
		}
		if got, _, err := r.ListCharges(ctx, "acct_1", store.ListQuery{Limit: 10, PaymentIntent: ch.PaymentIntentID}); err != nil || len(got) != 1 {
			t.Errorf("charges of %s: %v %v", ch.PaymentIntentID, got, err)
		}
		bt := b.BalanceTransactions[0]
		if got, err := r.BalanceTransaction(ctx, "acct_1", bt.ID); err != nil || !reflect.DeepEqual(got, bt) {
			t.Errorf("balance transaction:\n got %+v\nwant %+v\n%v", got, bt, err)
		}
		balance, err := r.Balance(ctx, "acct_1", t0.Add(time.Hour))
		if want := []ledger.Balance{{Currency: "eur", Pending: 1970 * int64(len(b.Charges))}}; err != nil || !reflect.DeepEqual(balance, want) {
			t.Errorf("balance %+v %v, want %+v", balance, err, want)
		}
		e, err := r.Event(ctx, "acct_1", b.Events[0].ID)
		if err != nil || e.PendingWebhooks != 0 || e.Object.(*payments.Charge).ID != b.Charges[0].ID {
			t.Errorf("event %+v %v", e, err)
		}
		events, _, err := r.ListEvents(ctx, "acct_1", store.ListQuery{Limit: 2})
		if err != nil || len(events) != 2 || events[0].ID != b.Events[len(b.Events)-1].ID {
			t.Errorf("newest events %v %v", events, err)
		}

		// Every page, walked with starting_after, is newest first: the
		// later single insert, the bulk in reverse, the earlier one.
		var walked []string
		after := ""
		for {
			page, more, err := r.ListIntents(ctx, "acct_1", store.ListQuery{Limit: 100, StartingAfter: after})
			if err != nil {
				return err
			}
			for _, pi := range page {
				walked = append(walked, pi.ID)
			}
			if !more {
				break
			}
			after = walked[len(walked)-1]
		}
		want := []string{"pi_single_1"}
		for i := bulkSize - 1; i >= 0; i-- {
			want = append(want, fmt.Sprintf("pi_bulk_%03d", i))
		}
		want = append(want, "pi_single_0")
		if !reflect.DeepEqual(walked, want) {
			t.Errorf("walked %d intents %v…, want %d", len(walked), walked[:min(5, len(walked))], len(want))
		}
		return nil
	})

	// A bulk that fails (an id taken) writes nothing of itself.
	err := s.Write(ctx, func(tx store.Tx) error {
		return tx.InsertBulk(ctx, store.Bulk{
			PaymentMethods: []*payments.PaymentMethod{{ID: "pm_2", AccountID: "acct_1", Type: methods.Sofort, Created: t0}},
			Intents:        []*payments.PaymentIntent{intent("acct_1", "pi_new", t0), intent("acct_1", "pi_bulk_000", t0)},
		})
	})
	if err == nil {
		t.Fatal("a bulk reusing an intent id succeeded")
	}
	read(t, s, func(r store.Reader) error {
		if _, err := r.Intent(ctx, "acct_1", "pi_new"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("failed bulk left pi_new: %v", err)
		}
		if _, err := r.PaymentMethod(ctx, "acct_1", "pm_2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("failed bulk left pm_2: %v", err)
		}
		return nil
	})
}
