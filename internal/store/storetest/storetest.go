// Package storetest is the conformance suite every store implementation
// must pass, so SQLite and (later) PostgreSQL behave the same.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Open returns a fresh, empty, migrated store.
type Open func(t *testing.T) store.Store

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC)

// Run runs the whole suite against open.
func Run(t *testing.T, open Open) {
	tests := map[string]func(*testing.T, store.Store){
		"AccountsAndKeys":                 testAccountsAndKeys,
		"IntentRoundTrip":                 testIntentRoundTrip,
		"ObjectsAreScopedToAccount":       testObjectsAreScopedToAccount,
		"AttemptsAndDeadlines":            testAttemptsAndDeadlines,
		"ListPagination":                  testListPagination,
		"ChargesFilterAndEvents":          testChargesFilterAndEvents,
		"IdempotencyKeys":                 testIdempotencyKeys,
		"FailedWriteChangesNothing":       testFailedWriteChangesNothing,
		"FinallyFollowsTheOutcome":        testFinallyFollowsTheOutcome,
		"WritesAreSerialized":             testWritesAreSerialized,
		"WebhookEndpoints":                testWebhookEndpoints,
		"DeliveriesAndPending":            testDeliveriesAndPending,
		"ClaimsAreFair":                   testClaimsAreFair,
		"LeasesAndOutcomes":               testLeasesAndOutcomes,
		"DeliveriesLeasedAtInsert":        testDeliveriesLeasedAtInsert,
		"OutcomesOfADrain":                testOutcomesOfADrain,
		"ClaimsAreExclusive":              testClaimsAreExclusive,
		"ProductsAndPrices":               testProductsAndPrices,
		"PriceLookupKeysAreUnique":        testPriceLookupKeysAreUnique,
		"CheckoutSessions":                testCheckoutSessions,
		"SessionDeadlines":                testSessionDeadlines,
		"ConcurrentClaimsOfOneKey":        testConcurrentClaimsOfOneKey,
		"ConcurrentTakeoversOfStaleClaim": testConcurrentTakeoversOfStaleClaim,
		"GuardedTransitionHappensOnce":    testGuardedTransitionHappensOnce,
		"FirstAccountCreatedOnce":         testFirstAccountCreatedOnce,
		"ClaimSharesHoldUnderConcurrency": testClaimSharesHoldUnderConcurrency,
		"OutcomesAndDeletionNoDeadlock":   testOutcomesAndEndpointDeletionDoNotDeadlock,
		"OutcomesAndReclaimNoDeadlock":    testOutcomesAndReclaimDoNotDeadlock,
		"ConcurrentPriceUpdatesLoseNone":  testConcurrentPriceUpdatesLoseNone,
		"ShopwareShops":                   testShopwareShops,
		"ShopwareTransactions":            testShopwareTransactions,
		"ShopwarePushes":                  testShopwarePushes,
		"ShopwareAgreements":              testShopwareAgreements,
		"PaymentMethodAgreements":         testPaymentMethodAgreements,
		"PaygateMerchants":                testPaygateMerchants,
		"PaygatePayments":                 testPaygatePayments,
		"PaygateNotifyClaimsAreExclusive": testPaygateNotifyClaimsAreExclusive,
		"BulkInsert":                      testBulkInsert,
	}
	for name, test := range moneyTests {
		tests[name] = test
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

var ctx = context.Background()

func write(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Write(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// notFound runs a write that changes a row that is not there (or is
// another account's): it fails with ErrNotFound, from the update's call
// or, where the store sends the update later, from Write.
func notFound(t *testing.T, s store.Store, what string, update func(store.Tx) error) {
	t.Helper()
	if err := s.Write(ctx, update); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: %v, want not found", what, err)
	}
}

func read(t *testing.T, s store.Store, fn func(store.Reader) error) {
	t.Helper()
	if err := s.Read(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func account(t *testing.T, s store.Store, id string) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		return tx.InsertAccount(ctx, store.Account{ID: id, Name: "Shop " + id, APIVersion: "2025-08-27.basil", Created: t0})
	})
}

func intent(accountID, id string, created time.Time) *payments.PaymentIntent {
	return &payments.PaymentIntent{
		ID: id, AccountID: accountID, Amount: 2000, Currency: "eur", Status: payments.RequiresPaymentMethod,
		CaptureMethod: payments.CaptureAutomaticAsync, ClientSecret: id + "_secret_x",
		PaymentMethodTypes: []methods.Type{methods.Sofort}, Metadata: map[string]string{"order": "42"}, Created: created,
	}
}

func testAccountsAndKeys(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	write(t, s, func(tx store.Tx) error {
		return tx.InsertAPIKey(ctx, store.APIKey{Hash: "h1", AccountID: "acct_1", Kind: store.SecretKey, Last4: "abcd", Created: t0})
	})
	read(t, s, func(r store.Reader) error {
		a, k, err := r.AccountByKeyHash(ctx, "h1")
		if err != nil || a.ID != "acct_1" || a.Name != "Shop acct_1" || k.Kind != store.SecretKey || k.AccountID != "acct_1" || !a.Created.Equal(t0) {
			t.Fatalf("%+v %+v %v", a, k, err)
		}
		if _, _, err := r.AccountByKeyHash(ctx, "h2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown key: %v", err)
		}
		n, err := r.CountAccounts(ctx)
		if err != nil || n != 1 {
			t.Fatalf("count %d %v", n, err)
		}
		return nil
	})
}

func testIntentRoundTrip(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	pi := intent("acct_1", "pi_1", t0)
	write(t, s, func(tx store.Tx) error { return tx.InsertIntent(ctx, pi) })
	pi.Status = payments.RequiresAction
	pi.Pending = &payments.Pending{Attempt: "att_1", Method: methods.Sofort, RedirectURL: "http://x/att_1", ReturnURL: "https://r"}
	// Documents keep every string exactly, a NUL and markup included.
	pi.Metadata["note"] = "nul\x00 ünïcode ✓ <b>&amp;</b> \"quoted\""
	write(t, s, func(tx store.Tx) error { return tx.UpdateIntent(ctx, pi) })
	read(t, s, func(r store.Reader) error {
		got, err := r.Intent(ctx, "acct_1", "pi_1")
		if err != nil || !reflect.DeepEqual(got, pi) {
			t.Fatalf("round trip:\n got %+v\nwant %+v\n%v", got, pi, err)
		}
		return nil
	})
	notFound(t, s, "updating a missing intent", func(tx store.Tx) error {
		return tx.UpdateIntent(ctx, intent("acct_1", "pi_missing", t0))
	})
}

func testObjectsAreScopedToAccount(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	account(t, s, "acct_2")
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertIntent(ctx, intent("acct_1", "pi_1", t0)); err != nil {
			return err
		}
		if err := tx.InsertPaymentMethod(ctx, &payments.PaymentMethod{ID: "pm_1", AccountID: "acct_1", Type: methods.Vipps, Created: t0}); err != nil {
			return err
		}
		return tx.InsertCharge(ctx, &payments.Charge{ID: "ch_1", AccountID: "acct_1", PaymentIntentID: "pi_1", Created: t0})
	})
	read(t, s, func(r store.Reader) error {
		if _, err := r.Intent(ctx, "acct_2", "pi_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("intent: %v", err)
		}
		if _, err := r.PaymentMethod(ctx, "acct_2", "pm_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("payment method: %v", err)
		}
		if _, err := r.Charge(ctx, "acct_2", "ch_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("charge: %v", err)
		}
		items, _, err := r.ListIntents(ctx, "acct_2", store.ListQuery{Limit: 10})
		if err != nil || len(items) != 0 {
			t.Errorf("list: %v %v", items, err)
		}
		if _, _, err := r.ListIntents(ctx, "acct_2", store.ListQuery{Limit: 10, StartingAfter: "pi_1"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("foreign cursor: %v", err)
		}
		return nil
	})
	notFound(t, s, "another account's update", func(tx store.Tx) error {
		return tx.UpdateIntent(ctx, intent("acct_2", "pi_1", t0))
	})
}

func testAttemptsAndDeadlines(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	for i, deadline := range []time.Duration{5 * time.Minute, time.Minute, 0} {
		pi := intent("acct_1", fmt.Sprintf("pi_%d", i), t0)
		pi.Status = payments.RequiresAction
		pi.Pending = &payments.Pending{Attempt: fmt.Sprintf("att_%d", i), Method: methods.Vipps}
		if deadline > 0 {
			pi.Pending.OpenBy = t0.Add(deadline)
		}
		write(t, s, func(tx store.Tx) error { return tx.InsertIntent(ctx, pi) })
	}
	read(t, s, func(r store.Reader) error {
		pi, err := r.IntentByAttempt(ctx, "att_1")
		if err != nil || pi.ID != "pi_1" {
			t.Fatalf("by attempt: %v %v", pi, err)
		}
		due, err := r.OverdueIntents(ctx, t0.Add(10*time.Minute), 10)
		if err != nil || !reflect.DeepEqual(due, []store.IntentRef{{AccountID: "acct_1", ID: "pi_1"}, {AccountID: "acct_1", ID: "pi_0"}}) {
			t.Fatalf("overdue, earliest first: %v %v", due, err)
		}
		due, _ = r.OverdueIntents(ctx, t0.Add(2*time.Minute), 10)
		if len(due) != 1 {
			t.Fatalf("overdue at +2m: %v", due)
		}
		return nil
	})
	// Once the attempt ends, the intent is neither found by it nor due.
	write(t, s, func(tx store.Tx) error {
		pi, err := tx.Intent(ctx, "acct_1", "pi_1")
		if err != nil {
			return err
		}
		pi.Status, pi.Pending = payments.Succeeded, nil
		return tx.UpdateIntent(ctx, pi)
	})
	read(t, s, func(r store.Reader) error {
		if _, err := r.IntentByAttempt(ctx, "att_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ended attempt still found: %v", err)
		}
		due, _ := r.OverdueIntents(ctx, t0.Add(time.Hour), 10)
		if len(due) != 1 || due[0].ID != "pi_0" {
			t.Fatalf("overdue after the end: %v", due)
		}
		return nil
	})
}

func testListPagination(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	var ids []string
	for i := range 12 {
		id := fmt.Sprintf("pi_%02d", i)
		ids = append(ids, id)
		write(t, s, func(tx store.Tx) error {
			return tx.InsertIntent(ctx, intent("acct_1", id, t0.Add(time.Duration(i)*time.Second)))
		})
	}
	list := func(q store.ListQuery) ([]string, bool) {
		var out []string
		var more bool
		read(t, s, func(r store.Reader) error {
			items, m, err := r.ListIntents(ctx, "acct_1", q)
			for _, it := range items {
				out = append(out, it.ID)
			}
			more = m
			return err
		})
		return out, more
	}
	got, more := list(store.ListQuery{Limit: 5})
	if fmt.Sprint(got) != "[pi_11 pi_10 pi_09 pi_08 pi_07]" || !more {
		t.Fatalf("first page %v %v", got, more)
	}
	got, more = list(store.ListQuery{Limit: 5, StartingAfter: "pi_02"})
	if fmt.Sprint(got) != "[pi_01 pi_00]" || more {
		t.Fatalf("after pi_02 %v %v", got, more)
	}
	got, more = list(store.ListQuery{Limit: 2, EndingBefore: "pi_05"})
	if fmt.Sprint(got) != "[pi_07 pi_06]" || !more {
		t.Fatalf("before pi_05 %v %v", got, more)
	}
	got, _ = list(store.ListQuery{Limit: 100, Created: store.TimeRange{GTE: t0.Add(3 * time.Second), LT: t0.Add(5 * time.Second)}})
	if fmt.Sprint(got) != "[pi_04 pi_03]" {
		t.Fatalf("created range %v", got)
	}
	got, _ = list(store.ListQuery{Limit: 100, Created: store.TimeRange{GT: t0.Add(10 * time.Second), LTE: t0.Add(11 * time.Second)}})
	if fmt.Sprint(got) != "[pi_11]" {
		t.Fatalf("created gt/lte %v", got)
	}
}

func testChargesFilterAndEvents(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	write(t, s, func(tx store.Tx) error {
		for i, pi := range []string{"pi_a", "pi_b", "pi_a"} {
			ch := &payments.Charge{ID: fmt.Sprintf("ch_%d", i), AccountID: "acct_1", PaymentIntentID: pi, Amount: 100, Currency: "eur", Created: t0}
			if err := tx.InsertCharge(ctx, ch); err != nil {
				return err
			}
		}
		ch := &payments.Charge{ID: "ch_0", AccountID: "acct_1", PaymentIntentID: "pi_a", Amount: 100, AmountRefunded: 100, Currency: "eur", Created: t0}
		if err := tx.UpdateCharge(ctx, ch); err != nil {
			return err
		}
		pi := intent("acct_1", "pi_a", t0)
		return tx.InsertEvents(ctx, []*store.Event{
			{ID: "evt_1", AccountID: "acct_1", Type: "payment_intent.created", APIVersion: "2025-08-27.basil", Created: t0, Object: pi},
			{ID: "evt_2", AccountID: "acct_1", Type: "charge.succeeded", APIVersion: "2025-08-27.basil", Created: t0, RequestID: "req_1", IdempotencyKey: "k", Object: ch},
		})
	})
	read(t, s, func(r store.Reader) error {
		items, _, err := r.ListCharges(ctx, "acct_1", store.ListQuery{Limit: 10, PaymentIntent: "pi_a"})
		if err != nil || len(items) != 2 || items[0].ID != "ch_2" || items[1].AmountRefunded != 100 {
			t.Fatalf("charges of pi_a: %v %v", items, err)
		}
		e, err := r.Event(ctx, "acct_1", "evt_2")
		if err != nil || e.RequestID != "req_1" || e.IdempotencyKey != "k" {
			t.Fatalf("event: %+v %v", e, err)
		}
		if ch, ok := e.Object.(*payments.Charge); !ok || ch.ID != "ch_0" {
			t.Fatalf("event object %#v", e.Object)
		}
		events, _, err := r.ListEvents(ctx, "acct_1", store.ListQuery{Limit: 10, Types: []string{"payment_intent.created"}})
		if err != nil || len(events) != 1 || events[0].Object.(*payments.PaymentIntent).Metadata["order"] != "42" {
			t.Fatalf("events by type: %v %v", events, err)
		}
		return nil
	})
}

func testIdempotencyKeys(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	req := store.IdempotentRequest{AccountID: "acct_1", Key: "k", Endpoint: "POST /v1/x", ParamsHash: "h", Claim: "c1", Created: t0}
	claim := func(r store.IdempotentRequest, staleBefore time.Time) (existing *store.IdempotentRequest) {
		write(t, s, func(tx store.Tx) error {
			var err error
			existing, err = tx.ClaimIdempotencyKey(ctx, r, staleBefore)
			return err
		})
		return existing
	}
	if got := claim(req, t0.Add(-time.Minute)); got != nil {
		t.Fatalf("first claim found %+v", got)
	}
	second := req
	second.Claim = "c2"
	if got := claim(second, t0.Add(-time.Minute)); got == nil || got.Claim != "c1" || got.Status != 0 {
		t.Fatalf("second claim: %+v", got)
	}
	// Completing with a claim one does not hold is refused.
	err := s.Write(ctx, func(tx store.Tx) error {
		done := second
		done.Status, done.Body = 200, []byte("{}")
		return tx.CompleteIdempotencyKey(ctx, done)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("completing another's claim: %v", err)
	}
	write(t, s, func(tx store.Tx) error {
		done := req
		done.Status, done.Body = 200, []byte(`{"id":"x"}`)
		return tx.CompleteIdempotencyKey(ctx, done)
	})
	if got := claim(second, t0.Add(time.Hour)); got == nil || got.Status != 200 || string(got.Body) != `{"id":"x"}` {
		t.Fatalf("completed record (never stale): %+v", got)
	}
	// A stale in-flight claim (its holder died) is taken over.
	other := store.IdempotentRequest{AccountID: "acct_1", Key: "k2", Endpoint: "POST /v1/x", ParamsHash: "h", Claim: "c1", Created: t0}
	claim(other, t0.Add(-time.Minute))
	taker := other
	taker.Claim, taker.Created = "c3", t0.Add(time.Hour)
	if got := claim(taker, t0.Add(time.Minute)); got != nil {
		t.Fatalf("stale claim was not taken over: %+v", got)
	}
	read(t, s, func(r store.Reader) error {
		got, err := r.IdempotentRequest(ctx, "acct_1", "k2")
		if err != nil || got.Claim != "c3" {
			t.Fatalf("taken-over claim: %+v %v", got, err)
		}
		return nil
	})
	// Pruning drops records, completed or not, created before the cutoff.
	var prunedEarly int
	write(t, s, func(tx store.Tx) error {
		var err error
		prunedEarly, err = tx.PruneIdempotencyKeys(ctx, t0.Add(time.Second))
		return err
	})
	if prunedEarly != 1 {
		t.Fatalf("pruned %d before the taken-over claim's time, want the completed one only", prunedEarly)
	}
	var pruned int
	write(t, s, func(tx store.Tx) error {
		var err error
		pruned, err = tx.PruneIdempotencyKeys(ctx, t0.Add(2*time.Hour))
		return err
	})
	read(t, s, func(r store.Reader) error {
		for _, key := range []string{"k", "k2"} {
			if _, err := r.IdempotentRequest(ctx, "acct_1", key); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s after prune: %v", key, err)
			}
		}
		return nil
	})
	if pruned != 1 {
		t.Fatalf("pruned %d", pruned)
	}
}

func testFailedWriteChangesNothing(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	boom := errors.New("boom")
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.InsertIntent(ctx, intent("acct_1", "pi_1", t0)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("write error %v", err)
	}
	read(t, s, func(r store.Reader) error {
		if _, err := r.Intent(ctx, "acct_1", "pi_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a rolled-back insert is visible: %v", err)
		}
		return nil
	})
}

// testWritesAreSerialized: concurrent read-modify-write transactions on one
// object never lose an update.
func testWritesAreSerialized(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	write(t, s, func(tx store.Tx) error { return tx.InsertIntent(ctx, intent("acct_1", "pi_1", t0)) })
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Write(ctx, func(tx store.Tx) error {
				pi, err := tx.Intent(ctx, "acct_1", "pi_1")
				if err != nil {
					return err
				}
				pi.AmountReceived++
				return tx.UpdateIntent(ctx, pi)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	read(t, s, func(r store.Reader) error {
		pi, err := r.Intent(ctx, "acct_1", "pi_1")
		if err != nil || pi.AmountReceived != 50 {
			t.Fatalf("after 50 increments: %d %v", pi.AmountReceived, err)
		}
		return nil
	})
}
