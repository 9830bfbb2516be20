package gateway_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
)

// TestIntentInvariantsUnderRandomInterleavings drives one Vipps payment
// (the method with the most transitions: windows, manual capture) through
// random batches of concurrent commands and checks after every batch that
// the stored intent, its charges and its events still agree.
func TestIntentInvariantsUnderRandomInterleavings(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	clk := clock.NewManual(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	gw := &gateway.Gateway{Store: st, Acquirer: &sandbox.Acquirer{PublicURL: "http://kassa.test"}, Clock: clk}
	rapid.Check(t, func(rt *rapid.T) {
		// A fresh account per run, so its events are this payment's alone.
		keys, err := gw.CreateAccount(ctx, "Property Shop")
		if err != nil {
			rt.Fatal(err)
		}
		caller := &gateway.Caller{AccountID: keys.ID}
		capture := rapid.SampledFrom([]string{payments.CaptureAutomatic, payments.CaptureManual}).Draw(rt, "capture")
		var id string
		err = st.Write(ctx, func(tx store.Tx) error {
			pi, err := gw.CreateIntent(ctx, tx, caller, gateway.CreateIntentInput{
				IntentInput: payments.IntentInput{Amount: 1099, Currency: "nok", CaptureMethod: capture},
				Method:      gateway.MethodChoice{Data: &gateway.PaymentMethodInput{Type: methods.Vipps}},
			})
			if pi != nil {
				id = pi.ID
			}
			return err
		})
		if err != nil {
			rt.Fatal(err)
		}
		// Each command gets the time its step lets pass; only "time passes"
		// uses it.
		commands := map[string]func(elapsed time.Duration) error{
			"confirm": func(time.Duration) error {
				return st.Write(ctx, func(tx store.Tx) error {
					_, err := gw.ConfirmIntent(ctx, tx, caller, id, gateway.ConfirmIntentInput{
						Method:    gateway.MethodChoice{Data: &gateway.PaymentMethodInput{Type: methods.Vipps}},
						ReturnURL: "https://shop.example/r",
					})
					return err
				})
			},
			"cancel": func(time.Duration) error {
				return st.Write(ctx, func(tx store.Tx) error { _, err := gw.CancelIntent(ctx, tx, caller, id, ""); return err })
			},
			"capture": func(time.Duration) error {
				return st.Write(ctx, func(tx store.Tx) error { _, err := gw.CaptureIntent(ctx, tx, caller, id, nil); return err })
			},
			"partial capture": func(time.Duration) error {
				amount := int64(500)
				return st.Write(ctx, func(tx store.Tx) error { _, err := gw.CaptureIntent(ctx, tx, caller, id, &amount); return err })
			},
			"approve": finish(ctx, st, gw, caller, id, gateway.OutcomeAuthorize),
			"reject":  finish(ctx, st, gw, caller, id, gateway.OutcomeDecline),
			"expire":  finish(ctx, st, gw, caller, id, gateway.OutcomeExpire),
			"open page": func(time.Duration) error {
				var attempt string
				st.Read(ctx, func(r store.Reader) error {
					pi, err := r.Intent(ctx, keys.ID, id)
					if err == nil && pi.Pending != nil {
						attempt = pi.Pending.Attempt
					}
					return err
				})
				_, err := gw.OpenAttempt(ctx, attempt)
				return err
			},
			"time passes": func(elapsed time.Duration) error {
				clk.Advance(elapsed)
				_, err := gw.ExpireOverdue(ctx)
				return err
			},
		}
		names := []string{"confirm", "cancel", "capture", "partial capture", "approve", "reject", "expire", "open page", "time passes"}
		steps := rapid.IntRange(1, 12).Draw(rt, "steps")
		for range steps {
			batch := rapid.SliceOfN(rapid.SampledFrom(names), 1, 3).Draw(rt, "batch")
			// Everything random is drawn before the goroutines start and
			// judged after they end: rapid's T is not safe for concurrent
			// use, and a failing run must replay from its draws alone.
			elapsed := make([]time.Duration, len(batch))
			for i, name := range batch {
				if name == "time passes" {
					elapsed[i] = time.Duration(rapid.IntRange(0, 6).Draw(rt, "minutes")) * time.Minute
				}
			}
			errs := make([]error, len(batch))
			var wg sync.WaitGroup
			for i, name := range batch {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = commands[name](elapsed[i])
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil && !isRefusal(err) {
					rt.Errorf("%s: unexpected error %v", batch[i], err)
				}
			}
			checkInvariants(rt, ctx, st, keys.ID, id)
		}
	})
}

func finish(ctx context.Context, st store.Store, gw *gateway.Gateway, c *gateway.Caller, id string, outcome gateway.Outcome) func(time.Duration) error {
	return func(time.Duration) error {
		return st.Write(ctx, func(tx store.Tx) error { _, err := gw.FinishIntent(ctx, tx, c, id, outcome); return err })
	}
}

// isRefusal: the domain said no (wrong state, stale attempt) and nothing
// changed, or a page came after the deadline and found the attempt expired
// instead (as when "time passes" advanced the clock before the timer ran).
func isRefusal(err error) bool {
	var e *payments.Error
	return errors.As(err, &e) || errors.Is(err, gateway.ErrAttemptExpired)
}

func checkInvariants(rt *rapid.T, ctx context.Context, st store.Store, accountID, id string) {
	err := st.Read(ctx, func(r store.Reader) error {
		pi, err := r.Intent(ctx, accountID, id)
		if err != nil {
			return err
		}
		charges, _, err := r.ListCharges(ctx, accountID, store.ListQuery{Limit: 100, PaymentIntent: id})
		if err != nil {
			return err
		}
		events, _, err := r.ListEvents(ctx, accountID, store.ListQuery{Limit: 100})
		if err != nil {
			return err
		}
		count := map[string]int{}
		for _, e := range events {
			count[e.Type]++
		}
		succeeded, captured := 0, int64(0)
		for _, ch := range charges {
			if ch.Status == payments.ChargeSucceeded {
				succeeded++
				captured += ch.AmountCaptured
			}
		}
		check := func(ok bool, what string) {
			if !ok {
				rt.Fatalf("%s\nintent %+v\ncharges %d events %v", what, pi, len(charges), count)
			}
		}
		check(pi.AmountReceived >= 0 && pi.AmountReceived <= pi.Amount, "amount_received within the amount")
		check(pi.AmountCapturable == 0 || pi.Status == payments.RequiresCapture, "capturable only while requires_capture")
		check((pi.Status == payments.RequiresAction) == (pi.Pending != nil), "a pending step exactly while requires_action")
		check(succeeded <= 1, "at most one successful charge")
		check(captured == pi.AmountReceived, "captured charges add up to amount_received")
		check(count[payments.EventIntentSucceeded] <= 1, "payment_intent.succeeded at most once")
		check(count[payments.EventChargeSucceeded] == succeeded, "one charge.succeeded per successful charge")
		check(count[payments.EventChargeFailed]+count[payments.EventChargeSucceeded] == len(charges), "every charge announced once")
		// Replayed oldest first, the events open a redirect with
		// requires_action and close it with one charge event (or a cancel),
		// never closing one that is not open.
		open := false
		for i := len(events) - 1; i >= 0; i-- {
			switch events[i].Type {
			case payments.EventIntentRequiresAction:
				check(!open, "a redirect opened while another was pending")
				open = true
			case payments.EventChargeSucceeded, payments.EventChargeFailed:
				check(open, "a charge without a pending redirect")
				open = false
			case payments.EventIntentCanceled:
				open = false
			}
		}
		check(open == (pi.Status == payments.RequiresAction), "the events end with a redirect pending exactly while requires_action")
		switch pi.Status {
		case payments.Succeeded:
			check(pi.AmountReceived > 0 && succeeded == 1, "succeeded means money received")
		case payments.RequiresCapture:
			check(pi.AmountCapturable == pi.Amount && pi.AmountReceived == 0 && succeeded == 1, "requires_capture holds the whole authorization")
		case payments.Canceled:
			check(pi.AmountReceived == 0 && count[payments.EventIntentCanceled] == 1, "canceled before any money moved")
		}
		return nil
	})
	if err != nil {
		rt.Fatal(err)
	}
}
