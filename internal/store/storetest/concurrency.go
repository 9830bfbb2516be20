package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// Concurrency cases. On PostgreSQL every transaction runs on its own
// server session, so goroutines here race exactly as Kassa processes do.

// racers starts n goroutines at once and waits for them.
func racers(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// widen holds a transaction between its check and its write, so that
// without a lock other transactions would pass the same check meanwhile.
func widen() { time.Sleep(10 * time.Millisecond) }

// testConcurrentClaimsOfOneKey: of many requests claiming one idempotency
// key at once, exactly one gets it; the others see that one's claim.
func testConcurrentClaimsOfOneKey(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	const n = 20
	var mu sync.Mutex
	var winners []string
	seen := map[string]int{}
	racers(n, func(i int) {
		r := store.IdempotentRequest{AccountID: "acct_1", Key: "k", Endpoint: "POST /v1/x", ParamsHash: "h", Claim: fmt.Sprintf("c%d", i), Created: t0}
		var existing *store.IdempotentRequest
		err := s.Write(ctx, func(tx store.Tx) error {
			var err error
			existing, err = tx.ClaimIdempotencyKey(ctx, r, t0.Add(-time.Minute))
			return err
		})
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			t.Errorf("claim %d: %v", i, err)
		case existing == nil:
			winners = append(winners, r.Claim)
		default:
			seen[existing.Claim]++
		}
	})
	if len(winners) != 1 {
		t.Fatalf("%d claims won: %v", len(winners), winners)
	}
	if seen[winners[0]] != n-1 {
		t.Fatalf("losers saw %v, want the winner %s %d times", seen, winners[0], n-1)
	}
}

// testConcurrentTakeoversOfStaleClaim: a stale claim is taken over by one
// request only.
func testConcurrentTakeoversOfStaleClaim(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	write(t, s, func(tx store.Tx) error {
		_, err := tx.ClaimIdempotencyKey(ctx, store.IdempotentRequest{AccountID: "acct_1", Key: "k", Endpoint: "POST /v1/x", ParamsHash: "h", Claim: "dead", Created: t0}, t0)
		return err
	})
	later := t0.Add(time.Hour)
	var mu sync.Mutex
	takers := 0
	racers(20, func(i int) {
		r := store.IdempotentRequest{AccountID: "acct_1", Key: "k", Endpoint: "POST /v1/x", ParamsHash: "h", Claim: fmt.Sprintf("c%d", i), Created: later}
		var existing *store.IdempotentRequest
		err := s.Write(ctx, func(tx store.Tx) error {
			var err error
			existing, err = tx.ClaimIdempotencyKey(ctx, r, later.Add(-time.Minute))
			return err
		})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("claim %d: %v", i, err)
		} else if existing == nil {
			takers++
		} else if existing.Claim == "dead" {
			t.Errorf("claim %d saw the stale claim after it was taken over", i)
		}
	})
	if takers != 1 {
		t.Fatalf("%d requests took over one stale claim", takers)
	}
}

// testGuardedTransitionHappensOnce: many transactions load an intent (by id
// or by its attempt), check its status and move it on with a charge and an
// event; exactly one may do so.
func testGuardedTransitionHappensOnce(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	pi := intent("acct_1", "pi_1", t0)
	pi.Status = payments.RequiresAction
	pi.Pending = &payments.Pending{Attempt: "att_1", Method: "vipps"}
	write(t, s, func(tx store.Tx) error { return tx.InsertIntent(ctx, pi) })
	var mu sync.Mutex
	done := 0
	racers(30, func(i int) {
		moved := false
		err := s.Write(ctx, func(tx store.Tx) error {
			var got *payments.PaymentIntent
			var err error
			if i%2 == 0 {
				got, err = tx.Intent(ctx, "acct_1", "pi_1")
			} else {
				got, err = tx.IntentByAttempt(ctx, "att_1")
			}
			if errors.Is(err, store.ErrNotFound) && i%2 == 1 {
				return nil // the attempt has ended
			}
			if err != nil || got.Status != payments.RequiresAction {
				return err
			}
			widen()
			ch := &payments.Charge{ID: fmt.Sprintf("ch_%d", i), AccountID: "acct_1", PaymentIntentID: "pi_1", Amount: 2000, Currency: "eur", Created: t0}
			if err := tx.InsertCharge(ctx, ch); err != nil {
				return err
			}
			got.Status, got.Pending, got.LatestChargeID = payments.Succeeded, nil, ch.ID
			if err := tx.UpdateIntent(ctx, got); err != nil {
				return err
			}
			moved = true
			return tx.InsertEvents(ctx, []*store.Event{{ID: fmt.Sprintf("evt_%d", i), AccountID: "acct_1", Type: "payment_intent.succeeded", APIVersion: "v", Created: t0, Object: got}})
		})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		} else if moved {
			done++
		}
	})
	if done != 1 {
		t.Fatalf("%d transactions moved the intent", done)
	}
	read(t, s, func(r store.Reader) error {
		charges, _, err := r.ListCharges(ctx, "acct_1", store.ListQuery{Limit: 100})
		if err != nil || len(charges) != 1 {
			t.Fatalf("%d charges, %v", len(charges), err)
		}
		events, _, err := r.ListEvents(ctx, "acct_1", store.ListQuery{Limit: 100})
		if err != nil || len(events) != 1 {
			t.Fatalf("%d events, %v", len(events), err)
		}
		got, err := r.Intent(ctx, "acct_1", "pi_1")
		if err != nil || got.LatestChargeID != charges[0].ID {
			t.Fatalf("intent's charge %q, stored %q: %v", got.LatestChargeID, charges[0].ID, err)
		}
		return nil
	})
}

// testFirstAccountCreatedOnce: "create an account when there is none", run
// by many transactions at once (Kassa instances starting together), creates
// one account.
func testFirstAccountCreatedOnce(t *testing.T, s store.Store) {
	racers(10, func(i int) {
		err := s.Write(ctx, func(tx store.Tx) error {
			n, err := tx.CountAccounts(ctx)
			if err != nil || n > 0 {
				return err
			}
			widen()
			return tx.InsertAccount(ctx, store.Account{ID: fmt.Sprintf("acct_%d", i), Name: "Sandbox", APIVersion: "v", Created: t0})
		})
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	})
	read(t, s, func(r store.Reader) error {
		if n, err := r.CountAccounts(ctx); err != nil || n != 1 {
			t.Fatalf("%d accounts, %v", n, err)
		}
		return nil
	})
}

// testClaimSharesHoldUnderConcurrency: senders claiming at the same moment
// (in several processes) together lease no more of an endpoint's backlog
// than its share.
func testClaimSharesHoldUnderConcurrency(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	endpoints(t, s, "acct_1", "we_1")
	var ds []*webhooks.Delivery
	for i := range 50 {
		ds = append(ds, delivery("acct_1", fmt.Sprintf("wd_%02d", i), "we_1", "evt_1", t0))
	}
	write(t, s, func(tx store.Tx) error { return tx.InsertDeliveries(ctx, ds) })
	var mu sync.Mutex
	leased := map[string]string{}
	racers(8, func(i int) {
		var got []*webhooks.Delivery
		err := s.Write(ctx, func(tx store.Tx) error {
			var err error
			got, err = tx.ClaimDeliveries(ctx, store.Claim{Claim: fmt.Sprint("c", i), Now: t0, LeaseUntil: t0.Add(time.Minute), Limit: 10, PerEndpoint: 3})
			return err
		})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("sender %d: %v", i, err)
		}
		for _, d := range got {
			if other, dup := leased[d.ID]; dup {
				t.Errorf("%s leased by %s and %s", d.ID, other, d.Claim)
			}
			leased[d.ID] = d.Claim
		}
	})
	if len(leased) != 3 {
		t.Fatalf("%d deliveries of one endpoint leased at once, share 3: %v", len(leased), leased)
	}
}

// testConcurrentPriceUpdatesLoseNone: concurrent load-change-save of one
// price (each adding its own metadata key) keeps every change. A store may
// refuse some with ErrLockTimeout (a deadlock broken), which clients retry.
func testConcurrentPriceUpdatesLoseNone(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertProduct(ctx, product("acct_1", "prod_1", true)); err != nil {
			return err
		}
		return tx.InsertPrice(ctx, price("acct_1", "price_1", "prod_1", "eur", "", true, false, t0))
	})
	const n = 4
	racers(n, func(i int) {
		for {
			err := s.Write(ctx, func(tx store.Tx) error {
				p, err := tx.Price(ctx, "acct_1", "price_1")
				if err != nil {
					return err
				}
				widen()
				if p.Metadata == nil {
					p.Metadata = map[string]string{}
				}
				p.Metadata[fmt.Sprint("k", i)] = "v"
				return tx.UpdatePrice(ctx, p)
			})
			if errors.Is(err, store.ErrLockTimeout) {
				continue // the client's retry
			}
			if err != nil {
				t.Errorf("update %d: %v", i, err)
			}
			return
		}
	})
	read(t, s, func(r store.Reader) error {
		p, err := r.Price(ctx, "acct_1", "price_1")
		if err != nil || len(p.Metadata) != n {
			t.Fatalf("metadata after %d concurrent updates: %v %v", n, p.Metadata, err)
		}
		return nil
	})
}

// testOutcomesAndEndpointDeletionDoNotDeadlock: a sender recording the
// outcomes of an endpoint's deliveries while the endpoint is deleted (both
// change its pending deliveries) must not deadlock: neither write fails.
func testOutcomesAndEndpointDeletionDoNotDeadlock(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	for round := range 10 {
		endpointID, _ := roundOfDeliveries(t, s, round, false)
		outcomes := succeeded(claim(t, s, "c1", t0, 1000, 1000))
		slices.Reverse(outcomes) // newest first: the other order than a scan's
		racers(2, func(i int) {
			var err error
			if i == 0 {
				err = s.Write(ctx, func(tx store.Tx) error { _, err := tx.RecordOutcomes(ctx, outcomes); return err })
			} else {
				err = s.Write(ctx, func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(ctx, "acct_1", endpointID) })
			}
			if err != nil {
				t.Errorf("round %d, %s: %v", round, map[int]string{0: "recording outcomes", 1: "deleting the endpoint"}[i], err)
			}
		})
	}
}

// A sender whose lease ran out records its outcomes while another sender
// claims the same deliveries again. Both statements lock many of the same
// rows, so they must lock them in one order: the claim had locked them by
// its candidates' seq, the outcomes by id. Ids inserted newest first make
// the two orders opposite.
func testOutcomesAndReclaimDoNotDeadlock(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	// Twenty rounds: the statements overlap in only some of them (the old
	// claim deadlocked in five to six of ten on an idle machine, fewer
	// under load).
	for round := range 20 {
		_, ds := roundOfDeliveries(t, s, round, true)
		outcomes := succeeded(claim(t, s, "c1", t0, 1000, 1000)) // c1's lease runs out at t0+1m
		afterLease := t0.Add(2 * time.Minute)
		var recorded int
		var reclaimed []*webhooks.Delivery
		racers(2, func(i int) {
			var err error
			if i == 0 {
				err = s.Write(ctx, func(tx store.Tx) (err error) { recorded, err = tx.RecordOutcomes(ctx, outcomes); return err })
			} else {
				err = s.Write(ctx, func(tx store.Tx) (err error) {
					reclaimed, err = tx.ClaimDeliveries(ctx, store.Claim{Claim: "c2", Now: afterLease,
						LeaseUntil: afterLease.Add(time.Minute), Limit: 1000, PerEndpoint: 1000})
					return err
				})
			}
			if err != nil {
				t.Errorf("round %d, %s: %v", round, map[int]string{0: "recording the stale outcomes", 1: "claiming again"}[i], err)
			}
		})
		// Each delivery went one way: delivered by the first sender's
		// outcome or leased to the second, never both.
		if recorded+len(reclaimed) != len(ds) {
			t.Errorf("round %d: %d outcomes applied and %d reclaimed of %d deliveries", round, recorded, len(reclaimed), len(ds))
		}
	}
}

// roundOfDeliveries inserts a new endpoint of acct_1 with 200 deliveries
// due at t0, their ids in seq order or, newestFirst, in the opposite one.
func roundOfDeliveries(t *testing.T, s store.Store, round int, newestFirst bool) (endpointID string, ds []*webhooks.Delivery) {
	t.Helper()
	endpointID = fmt.Sprint("we_", round)
	endpoints(t, s, "acct_1", endpointID)
	for i := range 200 {
		n := i
		if newestFirst {
			n = 199 - i
		}
		ds = append(ds, delivery("acct_1", fmt.Sprintf("wd_%d_%03d", round, n), endpointID, "evt_1", t0))
	}
	write(t, s, func(tx store.Tx) error { return tx.InsertDeliveries(ctx, ds) })
	return endpointID, ds
}

// succeeded is each delivery's outcome after its endpoint answered 200.
func succeeded(ds []*webhooks.Delivery) []webhooks.Outcome {
	var outcomes []webhooks.Outcome
	for _, d := range ds {
		outcomes = append(outcomes, webhooks.Conclude(*d, webhooks.Attempt{At: t0, StatusCode: 200}, 0.5))
	}
	return outcomes
}
