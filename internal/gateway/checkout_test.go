package gateway_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"kassa/internal/checkout"
	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
)

var errBoom = errors.New("boom")

// flakyStore fails every UpdateCheckoutSession while broken is set, as a
// database might in the middle of a transaction.
type flakyStore struct {
	store.Store
	broken bool
}

func (s *flakyStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return fn(&flakyTx{Tx: tx, broken: s.broken}) })
}

type flakyTx struct {
	store.Tx
	broken bool
}

func (tx *flakyTx) UpdateCheckoutSession(ctx context.Context, s *checkout.Session) error {
	if tx.broken {
		return errBoom
	}
	return tx.Tx.UpdateCheckoutSession(ctx, s)
}

// TestSessionCompletesInTheIntentsTransaction: when the session cannot be
// saved, the intent's success is not saved either: no charge, no events,
// the attempt still pending. Then it all commits together.
// setup makes a gateway on a flaky store with one account and one open
// session of 49.00 NOK.
func setup(t *testing.T) (*gateway.Gateway, *flakyStore, *clock.Manual, *gateway.Caller, *checkout.Session) {
	t.Helper()
	ctx := context.Background()
	st := testdb.Open(t)
	fs := &flakyStore{Store: st}
	clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	gw := &gateway.Gateway{Store: fs, Acquirer: &sandbox.Acquirer{PublicURL: "http://kassa.example"}, Clock: clk, PublicURL: "http://kassa.example"}
	keys, err := gw.CreateAccount(ctx, "Shop")
	if err != nil {
		t.Fatal(err)
	}
	caller := &gateway.Caller{AccountID: keys.ID}
	var s *checkout.Session
	err = fs.Write(ctx, func(tx store.Tx) error {
		in := gateway.CreateSessionInput{LineItems: []gateway.SessionItem{{Quantity: 1, PriceData: &gateway.InlinePrice{
			PriceInput: checkout.PriceInput{Currency: "nok", UnitAmount: 4900}, ProductData: &checkout.ProductInput{Name: "Lefse"}}}}}
		in.SuccessURL = "https://shop.example/ok"
		var err error
		s, err = gw.CreateCheckoutSession(ctx, tx, caller, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return gw, fs, clk, caller, s
}

// state reads an intent, its session and the account's event count.
func state(t *testing.T, st store.Store, s *checkout.Session) (*payments.PaymentIntent, *checkout.Session, int) {
	t.Helper()
	ctx := context.Background()
	var pi *payments.PaymentIntent
	var cs *checkout.Session
	var events []*store.Event
	err := st.Read(ctx, func(r store.Reader) error {
		var err error
		if pi, err = r.Intent(ctx, s.AccountID, s.PaymentIntentID); err != nil {
			return err
		}
		if cs, err = r.CheckoutSession(ctx, s.AccountID, s.ID); err != nil {
			return err
		}
		events, _, err = r.ListEvents(ctx, s.AccountID, store.ListQuery{Limit: 100})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return pi, cs, len(events)
}

// TestSessionCompletesInTheIntentsTransaction: when the session cannot be
// saved, the intent's success is not saved either: no charge, no events,
// the attempt still pending. Then it all commits together.
func TestSessionCompletesInTheIntentsTransaction(t *testing.T) {
	ctx := context.Background()
	gw, fs, _, caller, s := setup(t)
	var err error
	if _, err := gw.PayCheckout(ctx, s.ID, s.PageKey, gateway.CheckoutPayment{Method: methods.Vipps}); err != nil {
		t.Fatal(err)
	}
	_, _, eventsBefore := state(t, fs.Store, s)

	fs.broken = true
	err = fs.Write(ctx, func(tx store.Tx) error {
		_, err := gw.FinishIntent(ctx, tx, caller, s.PaymentIntentID, gateway.OutcomeAuthorize)
		return err
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("finishing with a broken session save: %v", err)
	}
	pi, cs, events := state(t, fs.Store, s)
	if pi.Status != payments.RequiresAction || pi.LatestChargeID != "" || cs.State != checkout.StateOpen || events != eventsBefore {
		t.Fatalf("half a change was saved: intent %s charge %q session %s events %d→%d", pi.Status, pi.LatestChargeID, cs.State, eventsBefore, events)
	}

	fs.broken = false
	err = fs.Write(ctx, func(tx store.Tx) error {
		_, err := gw.FinishIntent(ctx, tx, caller, s.PaymentIntentID, gateway.OutcomeAuthorize)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pi, cs, events = state(t, fs.Store, s)
	if pi.Status != payments.Succeeded || cs.State != checkout.StatePaid || events != eventsBefore+3 {
		t.Fatalf("after finishing: intent %s session %s events %d→%d", pi.Status, cs.State, eventsBefore, events)
	}
}

// TestExpiryCancelsTheIntentInTheSameTransaction: an expiry that cannot
// save the session leaves the intent as it was.
func TestExpiryCancelsTheIntentInTheSameTransaction(t *testing.T) {
	ctx := context.Background()
	gw, fs, clk, _, s := setup(t)
	clk.Advance(checkout.DefaultLifetime)
	fs.broken = true
	if n, err := gw.ExpireOverdueSessions(ctx); !errors.Is(err, errBoom) || n != 0 {
		t.Fatalf("expiring with a broken session save: %d %v", n, err)
	}
	if pi, cs, _ := state(t, fs.Store, s); pi.Status != payments.RequiresPaymentMethod || cs.State != checkout.StateOpen {
		t.Fatalf("half an expiry was saved: intent %s, session %s", pi.Status, cs.State)
	}
	fs.broken = false
	if n, err := gw.ExpireOverdueSessions(ctx); err != nil || n != 1 {
		t.Fatalf("expiring: %d %v", n, err)
	}
	if pi, cs, _ := state(t, fs.Store, s); pi.Status != payments.Canceled || cs.State != checkout.StateExpired {
		t.Fatalf("after the expiry: intent %s, session %s", pi.Status, cs.State)
	}
	if n, err := gw.ExpireOverdueSessions(ctx); err != nil || n != 0 {
		t.Fatalf("a second round: %d %v", n, err)
	}
}

// TestCatalogueEventTypesAreListed: webhook endpoints subscribe from payments.EventTypes.
func TestCatalogueEventTypesAreListed(t *testing.T) {
	for _, typ := range []string{gateway.EventProductCreated, gateway.EventProductUpdated, gateway.EventPriceCreated, gateway.EventPriceUpdated} {
		if !payments.KnownEventType(typ) {
			t.Errorf("%s is not in payments.EventTypes", typ)
		}
	}
}

// TestPaymentAndExpiryRace: the customer's approval and the merchant's
// expire arrive together; exactly one of them happens, whole.
func TestPaymentAndExpiryRace(t *testing.T) {
	ctx := context.Background()
	for range 20 {
		gw, fs, _, caller, s := setup(t)
		if _, err := gw.PayCheckout(ctx, s.ID, s.PageKey, gateway.CheckoutPayment{Method: methods.Vipps}); err != nil {
			t.Fatal(err)
		}
		pi, _, _ := state(t, fs.Store, s)
		attempt := pi.Pending.Attempt
		errs := make(chan error, 2)
		go func() {
			_, err := gw.FinishAttempt(ctx, attempt, gateway.OutcomeAuthorize, "")
			errs <- err
		}()
		go func() {
			errs <- fs.Write(ctx, func(tx store.Tx) error {
				_, err := gw.ExpireCheckoutSession(ctx, tx, caller, s.ID)
				return err
			})
		}()
		failed := 0
		for range 2 {
			var perr *payments.Error
			switch err := <-errs; {
			case err == nil:
			case errors.As(err, &perr) && (perr.Code == checkout.CodeUnexpectedState || perr.Code == payments.CodeStaleAttempt):
				failed++
			default:
				t.Fatal(err)
			}
		}
		pi, cs, _ := state(t, fs.Store, s)
		paid := pi.Status == payments.Succeeded && cs.State == checkout.StatePaid
		expired := pi.Status == payments.Canceled && cs.State == checkout.StateExpired
		if failed != 1 || paid == expired {
			t.Fatalf("%d refused; intent %s, session %s", failed, pi.Status, cs.State)
		}
	}
}
