package gateway_test

import (
	"context"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/ledger"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
)

// TestSeededHistoryIsConsistent: every seeded intent's charge, balance
// transaction and events agree with its status, the balance is the sum of
// what was captured, and live commands work on seeded payments.
func TestSeededHistoryIsConsistent(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	gw := &gateway.Gateway{Store: st, Acquirer: &sandbox.Acquirer{PublicURL: "http://kassa.test", RefundDelay: time.Minute},
		Clock: clock.NewManual(now), Ledger: ledger.Default()}
	keys, err := gw.CreateAccount(ctx, "Seeded Shop")
	if err != nil {
		t.Fatal(err)
	}
	var progress []int
	err = gw.SeedIntents(ctx, keys.ID, gateway.SeedOptions{Intents: 400, Events: true, Batch: 150, Span: time.Hour,
		Progress: func(done int) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) != 3 || progress[2] != 400 {
		t.Errorf("progress %v", progress)
	}
	if err := gw.SeedIntents(ctx, "acct_missing", gateway.SeedOptions{Intents: 1}); err == nil {
		t.Error("seeding a missing account succeeded")
	}

	var intents []*payments.PaymentIntent
	var succeeded, capturable *payments.PaymentIntent
	statuses := map[payments.Status]int{}
	err = st.Read(ctx, func(r store.Reader) error {
		for after := ""; ; {
			page, more, err := r.ListIntents(ctx, keys.ID, store.ListQuery{Limit: 100, StartingAfter: after})
			if err != nil {
				return err
			}
			intents = append(intents, page...)
			if !more {
				break
			}
			after = page[len(page)-1].ID
		}
		booked := map[string]int64{}
		for _, pi := range intents {
			statuses[pi.Status]++
			if pi.Created.Before(now.Add(-time.Hour)) || pi.Created.After(now) {
				t.Errorf("%s created %v, outside the span", pi.ID, pi.Created)
			}
			if pi.LatestChargeID == "" {
				if pi.Status != payments.RequiresPaymentMethod && pi.Status != payments.RequiresConfirmation && pi.Status != payments.Canceled {
					t.Errorf("%s is %s without a charge", pi.ID, pi.Status)
				}
				continue
			}
			ch, err := r.Charge(ctx, keys.ID, pi.LatestChargeID)
			if err != nil {
				return err
			}
			if ch.PaymentIntentID != pi.ID || ch.Amount != pi.Amount || ch.Currency != pi.Currency {
				t.Errorf("%s: charge %+v", pi.ID, ch)
			}
			switch pi.Status {
			case payments.Succeeded:
				succeeded = pi
				if !ch.Captured || ch.AmountCaptured != pi.AmountReceived || ch.BalanceTransactionID == "" {
					t.Errorf("%s succeeded, charge %+v", pi.ID, ch)
				}
				bt, err := r.BalanceTransaction(ctx, keys.ID, ch.BalanceTransactionID)
				if err != nil || bt.Source != ch.ID {
					t.Errorf("%s: balance transaction %+v %v", pi.ID, bt, err)
				} else {
					booked[string(bt.Currency)] += bt.Net
				}
			case payments.RequiresCapture:
				capturable = pi
				if ch.Captured || pi.AmountCapturable != pi.Amount {
					t.Errorf("%s requires capture, charge %+v", pi.ID, ch)
				}
			case payments.RequiresPaymentMethod:
				if ch.Status != payments.ChargeFailed || pi.LastPaymentError == nil {
					t.Errorf("%s failed, charge %+v, error %+v", pi.ID, ch, pi.LastPaymentError)
				}
			case payments.Canceled:
				if ch.Captured || ch.AmountRefunded != ch.Amount {
					t.Errorf("%s released, charge %+v", pi.ID, ch)
				}
			default:
				t.Errorf("%s is %s with a charge", pi.ID, pi.Status)
			}
		}
		balance, err := r.Balance(ctx, keys.ID, now.Add(365*24*time.Hour))
		if err != nil {
			return err
		}
		for _, b := range balance {
			if b.Pending != 0 || b.Available != booked[string(b.Currency)] {
				t.Errorf("balance %+v, booked %d", b, booked[string(b.Currency)])
			}
			delete(booked, string(b.Currency))
		}
		if len(booked) != 0 {
			t.Errorf("booked but not in the balance: %v", booked)
		}
		events, _, err := r.ListEvents(ctx, keys.ID, store.ListQuery{Limit: 1000, Types: []string{payments.EventIntentCreated}})
		if err != nil || len(events) != len(intents) {
			t.Errorf("%d payment_intent.created events for %d intents: %v", len(events), len(intents), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(intents) != 400 || statuses[payments.Succeeded] < 200 || statuses[payments.RequiresCapture] == 0 ||
		statuses[payments.Canceled] == 0 || statuses[payments.RequiresPaymentMethod] == 0 || statuses[payments.RequiresConfirmation] == 0 {
		t.Fatalf("%d intents, statuses %v", len(intents), statuses)
	}

	c := &gateway.Caller{AccountID: keys.ID}
	err = st.Write(ctx, func(tx store.Tx) error {
		if _, err := gw.CreateRefund(ctx, tx, c, gateway.CreateRefundInput{PaymentIntent: succeeded.ID}); err != nil {
			return err
		}
		pi, err := gw.CaptureIntent(ctx, tx, c, capturable.ID, nil)
		if err == nil && pi.Status != payments.Succeeded {
			t.Errorf("captured seeded intent is %s", pi.Status)
		}
		return err
	})
	if err != nil {
		t.Fatalf("live commands on seeded payments: %v", err)
	}
}
