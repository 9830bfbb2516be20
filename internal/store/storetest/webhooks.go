package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

func endpoint(accountID, id string, events ...string) *webhooks.Endpoint {
	return &webhooks.Endpoint{ID: id, AccountID: accountID, URL: "https://shop.example/" + id, EnabledEvents: events,
		SealedSecret: []byte{1, 2, 3}, Metadata: map[string]string{"k": "v"}, Created: t0}
}

func delivery(accountID, id, endpointID, eventID string, due time.Time) *webhooks.Delivery {
	return &webhooks.Delivery{ID: id, AccountID: accountID, EndpointID: endpointID, EventID: eventID,
		Status: webhooks.DeliveryPending, NextAttemptAt: due, Created: t0}
}

// endpoints inserts bare endpoints: deliveries are claimed for existing endpoints only.
func endpoints(t *testing.T, s store.Store, accountID string, ids ...string) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		for _, id := range ids {
			if err := tx.InsertWebhookEndpoint(ctx, endpoint(accountID, id, "*")); err != nil {
				return err
			}
		}
		return nil
	})
}

func testWebhookEndpoints(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	account(t, s, "acct_2")
	we1 := endpoint("acct_1", "we_1", "*")
	write(t, s, func(tx store.Tx) error {
		for _, e := range []*webhooks.Endpoint{we1, endpoint("acct_1", "we_2", payments.EventChargeFailed), endpoint("acct_2", "we_3", "*")} {
			if err := tx.InsertWebhookEndpoint(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	we1.Disabled, we1.Description = true, "off"
	write(t, s, func(tx store.Tx) error { return tx.UpdateWebhookEndpoint(ctx, we1) })
	read(t, s, func(r store.Reader) error {
		got, err := r.WebhookEndpoint(ctx, "acct_1", "we_1")
		if err != nil || !reflect.DeepEqual(got, we1) {
			t.Fatalf("round trip:\n got %+v\nwant %+v\n%v", got, we1, err)
		}
		if _, err := r.WebhookEndpoint(ctx, "acct_2", "we_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another account's endpoint: %v", err)
		}
		all, err := r.AccountWebhookEndpoints(ctx, "acct_1")
		if err != nil || len(all) != 2 || all[0].ID != "we_1" || all[1].ID != "we_2" {
			t.Fatalf("account endpoints: %v %v", all, err)
		}
		page, more, err := r.ListWebhookEndpoints(ctx, "acct_1", store.ListQuery{Limit: 1})
		if err != nil || len(page) != 1 || page[0].ID != "we_2" || !more {
			t.Fatalf("list: %v %v %v", page, more, err)
		}
		return nil
	})
	// Deleting cancels the endpoint's pending deliveries, not others'.
	write(t, s, func(tx store.Tx) error {
		return tx.InsertDeliveries(ctx, []*webhooks.Delivery{
			delivery("acct_1", "wd_1", "we_1", "evt_1", t0), delivery("acct_1", "wd_2", "we_2", "evt_1", t0)})
	})
	write(t, s, func(tx store.Tx) error {
		if err := tx.DeleteWebhookEndpoint(ctx, "acct_2", "we_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleting another account's endpoint: %v", err)
		}
		return tx.DeleteWebhookEndpoint(ctx, "acct_1", "we_1")
	})
	read(t, s, func(r store.Reader) error {
		if _, err := r.WebhookEndpoint(ctx, "acct_1", "we_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted endpoint: %v", err)
		}
		ds, _, err := r.ListDeliveries(ctx, "acct_1", store.ListQuery{Limit: 10})
		if err != nil || len(ds) != 2 || ds[0].Status != webhooks.DeliveryPending || ds[1].Status != webhooks.DeliveryCanceled {
			t.Fatalf("deliveries after delete: %+v %v", ds, err)
		}
		return nil
	})
}

func testDeliveriesAndPending(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	account(t, s, "acct_2")
	endpoints(t, s, "acct_1", "we_1", "we_2")
	pi := intent("acct_1", "pi_1", t0)
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertEvents(ctx, []*store.Event{
			{ID: "evt_1", AccountID: "acct_1", Type: payments.EventIntentCreated, APIVersion: "v", Created: t0, Object: pi},
		}); err != nil {
			return err
		}
		return tx.InsertDeliveries(ctx, []*webhooks.Delivery{
			delivery("acct_1", "wd_1", "we_1", "evt_1", t0), delivery("acct_1", "wd_2", "we_2", "evt_1", t0),
		})
	})
	pending := func() int {
		var n int
		read(t, s, func(r store.Reader) error {
			e, err := r.Event(ctx, "acct_1", "evt_1")
			if err != nil {
				return err
			}
			events, _, err := r.ListEvents(ctx, "acct_1", store.ListQuery{Limit: 10})
			if err != nil || len(events) != 1 || events[0].PendingWebhooks != e.PendingWebhooks {
				t.Fatalf("listed event disagrees: %v %v", events, err)
			}
			n = e.PendingWebhooks
			return nil
		})
		return n
	}
	if n := pending(); n != 2 {
		t.Fatalf("pending_webhooks %d, want 2", n)
	}
	var claimed []*webhooks.Delivery
	write(t, s, func(tx store.Tx) error {
		var err error
		claimed, err = tx.ClaimDeliveries(ctx, store.Claim{Claim: "c1", Now: t0, LeaseUntil: t0.Add(time.Minute), Limit: 10, PerEndpoint: 4})
		return err
	})
	if len(claimed) != 2 {
		t.Fatalf("claimed %d", len(claimed))
	}
	var d1 *webhooks.Delivery
	for _, d := range claimed {
		if d.ID == "wd_1" {
			d1 = d
		}
	}
	ok := webhooks.Conclude(*d1, webhooks.Attempt{At: t0, StatusCode: 200, Latency: 3 * time.Millisecond}, 0.5)
	record(t, s, ok)
	if n := pending(); n != 1 {
		t.Fatalf("pending_webhooks after one success %d, want 1", n)
	}
	read(t, s, func(r store.Reader) error {
		ds, more, err := r.ListDeliveries(ctx, "acct_1", store.ListQuery{Limit: 10, Endpoint: "we_1"})
		if err != nil || more || len(ds) != 1 {
			t.Fatalf("%v %v %v", ds, more, err)
		}
		d := ds[0]
		want := []webhooks.Attempt{{DeliveryID: "wd_1", Number: 1, At: t0, StatusCode: 200, Latency: 3 * time.Millisecond}}
		if d.Status != webhooks.DeliverySucceeded || d.Attempts != 1 || !d.NextAttemptAt.IsZero() || d.Claim != "" || !reflect.DeepEqual(d.History, want) {
			t.Fatalf("%+v", d)
		}
		if ds, _, _ := r.ListDeliveries(ctx, "acct_1", store.ListQuery{Limit: 10, Event: "evt_1"}); len(ds) != 2 {
			t.Fatalf("by event: %v", ds)
		}
		if ds, _, _ := r.ListDeliveries(ctx, "acct_2", store.ListQuery{Limit: 10}); len(ds) != 0 {
			t.Fatalf("another account's deliveries: %v", ds)
		}
		return nil
	})
}

// claim leases due deliveries at now.
func claim(t *testing.T, s store.Store, token string, now time.Time, limit, perEndpoint int) []*webhooks.Delivery {
	t.Helper()
	var out []*webhooks.Delivery
	write(t, s, func(tx store.Tx) error {
		var err error
		out, err = tx.ClaimDeliveries(ctx, store.Claim{Claim: token, Now: now, LeaseUntil: now.Add(time.Minute), Limit: limit, PerEndpoint: perEndpoint})
		return err
	})
	return out
}

// record records outcomes in one write and returns how many applied.
func record(t *testing.T, s store.Store, outcomes ...webhooks.Outcome) int {
	t.Helper()
	var applied int
	write(t, s, func(tx store.Tx) error {
		var err error
		applied, err = tx.RecordOutcomes(ctx, outcomes)
		return err
	})
	return applied
}

func ids(ds []*webhooks.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func testClaimsAreFair(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	account(t, s, "acct_2")
	endpoints(t, s, "acct_1", "we_big")
	endpoints(t, s, "acct_2", "we_a", "we_b")
	// A backlog of 20 for we_big, then one each for we_a and we_b; one not yet due.
	var ds []*webhooks.Delivery
	for i := range 20 {
		ds = append(ds, delivery("acct_1", fmt.Sprintf("wd_big%02d", i), "we_big", "evt_x", t0.Add(-time.Hour)))
	}
	ds = append(ds, delivery("acct_2", "wd_a", "we_a", "evt_y", t0), delivery("acct_2", "wd_b", "we_b", "evt_y", t0),
		delivery("acct_2", "wd_later", "we_b", "evt_z", t0.Add(30*time.Second)))
	write(t, s, func(tx store.Tx) error { return tx.InsertDeliveries(ctx, ds) })

	got := claim(t, s, "c1", t0, 3, 4)
	if fmt.Sprint(sortedIDs(got)) != "[wd_a wd_b wd_big00]" {
		t.Fatalf("first claim of 3 is not one per endpoint: %v", ids(got))
	}
	// we_big has one leased, so at most 3 more; wd_later is not due.
	got = claim(t, s, "c2", t0, 10, 4)
	if fmt.Sprint(sortedIDs(got)) != "[wd_big01 wd_big02 wd_big03]" {
		t.Fatalf("second claim: %v", ids(got))
	}
	if got := claim(t, s, "c3", t0, 10, 4); len(got) != 0 {
		t.Fatalf("claimed past the per-endpoint limit: %v", ids(got))
	}
	if got := claim(t, s, "c4", t0.Add(30*time.Second), 10, 4); fmt.Sprint(ids(got)) != "[wd_later]" {
		t.Fatalf("at +30s (leases still running): %v", ids(got))
	}
	read(t, s, func(r store.Reader) error {
		b, err := r.DeliveryBacklog(ctx, t0.Add(time.Second))
		if err != nil || b.Pending != 23 || b.Due != 16 || !b.OldestDue.Equal(t0.Add(-time.Hour)) {
			t.Fatalf("backlog %+v %v", b, err)
		}
		// Due ones remain (only the per-endpoint limit holds them back);
		// before the first was due, none was.
		for at, want := range map[time.Time]bool{t0.Add(time.Second): true, t0.Add(-2 * time.Hour): false} {
			if due, err := r.DeliveryDue(ctx, at); err != nil || due != want {
				t.Fatalf("due at %v: %v %v, want %v", at, due, err, want)
			}
		}
		return nil
	})
	// Once every due delivery is leased, nothing is due until the leases run out.
	got = claim(t, s, "c5", t0.Add(time.Second), 100, 100)
	read(t, s, func(r store.Reader) error {
		if due, err := r.DeliveryDue(ctx, t0.Add(time.Second)); err != nil || due {
			t.Fatalf("due with everything leased (%d claimed): %v %v", len(got), due, err)
		}
		if due, err := r.DeliveryDue(ctx, t0.Add(2*time.Minute)); err != nil || !due {
			t.Fatalf("not due after the leases ran out: %v %v", due, err)
		}
		return nil
	})
}

func sortedIDs(ds []*webhooks.Delivery) []string {
	out := ids(ds)
	sort.Strings(out)
	return out
}

func testLeasesAndOutcomes(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	endpoints(t, s, "acct_1", "we_1")
	write(t, s, func(tx store.Tx) error {
		return tx.InsertDeliveries(ctx, []*webhooks.Delivery{delivery("acct_1", "wd_1", "we_1", "evt_1", t0)})
	})
	first := claim(t, s, "c1", t0, 10, 4)
	if len(first) != 1 || first[0].Claim != "c1" || !first[0].LeaseUntil.Equal(t0.Add(time.Minute)) {
		t.Fatalf("%+v", first)
	}
	if got := claim(t, s, "c2", t0.Add(59*time.Second), 10, 4); len(got) != 0 {
		t.Fatal("claimed while leased")
	}
	// The holder died; after the lease another sender takes it.
	second := claim(t, s, "c2", t0.Add(time.Minute), 10, 4)
	if len(second) != 1 || second[0].Claim != "c2" {
		t.Fatalf("not reclaimed after the lease: %+v", second)
	}
	late := webhooks.Conclude(*first[0], webhooks.Attempt{At: t0.Add(time.Minute), StatusCode: 200}, 0.5)
	retry := webhooks.Conclude(*second[0], webhooks.Attempt{At: t0.Add(time.Minute), StatusCode: 503, Error: "HTTP 503", Latency: 1500 * time.Millisecond}, 0.5)
	if applied := record(t, s, late, retry); applied != 1 {
		t.Fatalf("applied %d outcomes; the stale holder's must be ignored", applied)
	}
	read(t, s, func(r store.Reader) error {
		ds, _, err := r.ListDeliveries(ctx, "acct_1", store.ListQuery{Limit: 10})
		if err != nil || len(ds) != 1 {
			t.Fatal(ds, err)
		}
		d := ds[0]
		if d.Status != webhooks.DeliveryPending || d.Attempts != 1 || !d.NextAttemptAt.Equal(retry.NextAttemptAt) ||
			d.Claim != "" || len(d.History) != 1 || d.History[0].StatusCode != 503 || d.History[0].Error != "HTTP 503" ||
			d.History[0].Number != 1 || !d.History[0].At.Equal(t0.Add(time.Minute)) || d.History[0].Latency != 1500*time.Millisecond {
			t.Fatalf("%+v", d)
		}
		return nil
	})
	if got := claim(t, s, "c3", retry.NextAttemptAt.Add(-time.Millisecond), 10, 4); len(got) != 0 {
		t.Fatal("claimed before its retry time")
	}
	third := claim(t, s, "c3", retry.NextAttemptAt, 10, 4)
	if len(third) != 1 || third[0].Attempts != 1 {
		t.Fatalf("%+v", third)
	}
	gaveUp := webhooks.Outcome{DeliveryID: "wd_1", Claim: "c3", Status: webhooks.DeliveryFailed,
		Attempt: webhooks.Attempt{Number: 2, At: retry.NextAttemptAt, Error: "connection refused"}}
	record(t, s, gaveUp)
	if got := claim(t, s, "c4", t0.Add(100*time.Hour), 10, 4); len(got) != 0 {
		t.Fatal("a failed delivery was claimed")
	}
}

// testClaimsAreExclusive: concurrent senders never hold the same delivery.
func testClaimsAreExclusive(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	for i := range 10 {
		endpoints(t, s, "acct_1", fmt.Sprintf("we_%d", i))
	}
	var ds []*webhooks.Delivery
	for i := range 200 {
		ds = append(ds, delivery("acct_1", fmt.Sprintf("wd_%03d", i), fmt.Sprintf("we_%d", i%10), "evt_1", t0))
	}
	write(t, s, func(tx store.Tx) error { return tx.InsertDeliveries(ctx, ds) })
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var got []*webhooks.Delivery
				err := s.Write(ctx, func(tx store.Tx) error {
					var err error
					got, err = tx.ClaimDeliveries(ctx, store.Claim{Claim: fmt.Sprint("c", w), Now: t0, LeaseUntil: t0.Add(time.Minute), Limit: 7, PerEndpoint: 100})
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					if other, dup := seen[d.ID]; dup {
						t.Errorf("%s claimed by %s and %s", d.ID, other, d.Claim)
					}
					seen[d.ID] = d.Claim
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 200 {
		t.Fatalf("claimed %d of 200", len(seen))
	}
}

// A sender records a drain's outcomes in one call: each applies, with
// its own attempt in its delivery's history.
func testOutcomesOfADrain(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	endpoints(t, s, "acct_1", "we_1")
	write(t, s, func(tx store.Tx) error {
		return tx.InsertDeliveries(ctx, []*webhooks.Delivery{
			delivery("acct_1", "wd_1", "we_1", "evt_1", t0),
			delivery("acct_1", "wd_2", "we_1", "evt_2", t0),
			delivery("acct_1", "wd_3", "we_1", "evt_3", t0),
		})
	})
	claimed := claim(t, s, "c1", t0, 10, 4)
	if len(claimed) != 3 {
		t.Fatalf("claimed %d", len(claimed))
	}
	codes := map[string]int{"wd_1": 200, "wd_2": 503, "wd_3": 204}
	outcomes := make([]webhooks.Outcome, len(claimed))
	for i, d := range claimed {
		outcomes[i] = webhooks.Conclude(*d, webhooks.Attempt{At: t0, StatusCode: codes[d.ID], Latency: time.Duration(i+1) * time.Millisecond}, 0.5)
	}
	if applied := record(t, s, outcomes...); applied != 3 {
		t.Fatalf("applied %d of 3", applied)
	}
	read(t, s, func(r store.Reader) error {
		ds, _, err := r.ListDeliveries(ctx, "acct_1", store.ListQuery{Limit: 10})
		if err != nil || len(ds) != 3 {
			t.Fatal(ds, err)
		}
		for _, d := range ds {
			if len(d.History) != 1 || d.History[0].DeliveryID != d.ID || d.History[0].StatusCode != codes[d.ID] || d.Attempts != 1 {
				t.Errorf("%s: %+v", d.ID, d)
			}
		}
		return nil
	})
}

// testDeliveriesLeasedAtInsert: a delivery inserted with a lease (handed
// straight to the sender of the process that wrote it) is held like a
// claimed one: not claimable nor due until its lease runs out, counted
// against its endpoint's share, and its holder's outcome applies.
func testDeliveriesLeasedAtInsert(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	endpoints(t, s, "acct_1", "we_1")
	held := delivery("acct_1", "wd_held", "we_1", "evt_1", t0)
	held.Claim, held.LeaseUntil = "h1", t0.Add(time.Minute)
	write(t, s, func(tx store.Tx) error {
		return tx.InsertDeliveries(ctx, []*webhooks.Delivery{held,
			delivery("acct_1", "wd_a", "we_1", "evt_2", t0), delivery("acct_1", "wd_b", "we_1", "evt_3", t0)})
	})
	read(t, s, func(r store.Reader) error {
		ds, _, err := r.ListDeliveries(ctx, "acct_1", store.ListQuery{Limit: 10, Event: "evt_1"})
		if err != nil || len(ds) != 1 || ds[0].Claim != "h1" || !ds[0].LeaseUntil.Equal(t0.Add(time.Minute)) {
			t.Fatalf("stored lease: %+v %v", ds, err)
		}
		return nil
	})
	// A share of two per endpoint: the held one leaves room for one more.
	got := claim(t, s, "c1", t0, 10, 2)
	if len(got) != 1 || got[0].ID != "wd_a" {
		t.Fatalf("claimed %v, want [wd_a]", ids(got))
	}
	record(t, s, webhooks.Conclude(*got[0], webhooks.Attempt{At: t0, StatusCode: 200}, 0.5))
	second := claim(t, s, "c2", t0, 10, 2)
	if len(second) != 1 || second[0].ID != "wd_b" {
		t.Fatalf("claimed %v, want [wd_b]: the held delivery is not claimable", ids(second))
	}
	record(t, s, webhooks.Conclude(*second[0], webhooks.Attempt{At: t0, StatusCode: 200}, 0.5))
	read(t, s, func(r store.Reader) error {
		if due, err := r.DeliveryDue(ctx, t0.Add(59*time.Second)); err != nil || due {
			t.Fatalf("due %v %v while leased", due, err)
		}
		return nil
	})
	if applied := record(t, s, webhooks.Conclude(*held, webhooks.Attempt{At: t0, StatusCode: 200}, 0.5)); applied != 1 {
		t.Fatalf("the holder's outcome applied %d times, want 1", applied)
	}
	// Another, whose holder died: claimable once its lease runs out.
	orphan := delivery("acct_1", "wd_orphan", "we_1", "evt_4", t0)
	orphan.Claim, orphan.LeaseUntil = "h2", t0.Add(time.Minute)
	write(t, s, func(tx store.Tx) error { return tx.InsertDeliveries(ctx, []*webhooks.Delivery{orphan}) })
	if got := claim(t, s, "c3", t0.Add(59*time.Second), 10, 4); len(got) != 0 {
		t.Fatalf("claimed %v while leased", ids(got))
	}
	if got := claim(t, s, "c3", t0.Add(time.Minute), 10, 4); len(got) != 1 || got[0].ID != "wd_orphan" || got[0].Claim != "c3" {
		t.Fatalf("claimed %v after the lease ran out, want wd_orphan under c3", ids(got))
	}
}
