package e2e

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/store/testdb"
)

// TestBinaryCrashLosesNoWebhook kills Kassa with SIGKILL in the middle of a
// burst of payments whose events are being delivered, restarts it on the
// same database, and checks that the receiver gets every event that was
// committed: deliveries may repeat, never vanish.
func TestBinaryCrashLosesNoWebhook(t *testing.T) {
	t.Parallel() // mostly waiting for the dead process's leases: let other tests run meanwhile
	db := testdb.DSN(t)
	r := newReceiver(t)
	// A short timeout makes a dead process's leases run out sooner (timeout + 10s).
	flags := []string{"--webhook-timeout", "2s"}
	p := runKassa(t, db, flags...)
	sk := p.key("sk")
	_, err := stripeClient(p.URL, sk).V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{
		URL: stripe.String(r.URL), EnabledEvents: []*string{stripe.String("*")}})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		delivered := killMidDelivery(t, p, sk, r)

		p = runKassa(t, db, flags...)
		committed := committedEvents(t, stripeClient(p.URL, sk))
		if delivered >= len(committed) {
			t.Fatalf("round %d: the kill came after every delivery (%d of %d): the test proves nothing", round, delivered, len(committed))
		}
		eventuallyWithin(t, time.Minute, fmt.Sprintf("the receiver acknowledged all %d committed events", len(committed)), acknowledgedAll(r, committed))
		t.Logf("round %d: %d events committed, %d delivered before the kill, all delivered after restart (%d requests in all)",
			round, len(committed), delivered, len(r.received()))
	}
	// Nothing stays owed: what the dead processes held leased is sent again
	// once the leases run out, and recorded.
	awaitNothingOwed(t, stripeClient(p.URL, sk))
	t.Logf("all recorded; %d requests for %d events (at least once)", len(r.received()), len(r.acknowledged()))
}

// killMidDelivery kills p (SIGKILL) in a burst of payments whose webhooks
// go to r, and returns how many events r had acknowledged by then.
//
// The receiver is slow during the burst: the kill finds requests in
// flight, whose leases the dead process never releases, and the receiver
// does not count them as delivered. Events committed in the last 100 ms
// before the kill are therefore never delivered by then, however fast
// delivery keeps up with the burst. The burst's deliveries go to the
// sender with their writes, leased at insert: the kill must find such
// deliveries in flight and waiting, not only claimed ones (on a slow
// machine the first may take longer than 300 ms).
func killMidDelivery(t *testing.T, p *process, sk string, r *receiver) (delivered int) {
	t.Helper()
	r.delay.Store(int64(100 * time.Millisecond))
	defer r.delay.Store(0)
	killAndWait := workUntilKilled(p, 8, createUntilStopped(stripeClient(p.URL, sk)))
	time.Sleep(300 * time.Millisecond)
	handedToSender(t, p)
	killAndWait()
	return len(r.acknowledged())
}

// createUntilStopped is work for workUntilKilled: Sofort payments created
// one after the other until stop closes, their errors ignored (the kill
// fails those in flight).
func createUntilStopped(sc *stripe.Client) func(stop chan struct{}) {
	return func(stop chan struct{}) {
		for {
			select {
			case <-stop:
				return
			default:
				sc.V1PaymentIntents.Create(ctx, sofortParams())
			}
		}
	}
}

// handedToSender waits (10 s at most) until p's writes have handed a
// delivery straight to its sender: a kill then finds deliveries leased at
// insert, in flight and waiting, not only ones its sender claimed.
func handedToSender(t *testing.T, p *process) {
	t.Helper()
	handed := regexp.MustCompile(`kassa_webhook_deliveries_taken_total\{from="write"\} [1-9]`)
	for deadline := time.Now().Add(10 * time.Second); !handed.MatchString(metricsAt(t, p.URL)); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no delivery was handed over by its write")
		}
	}
}

// committedEvents lists the ids of every event the account has.
func committedEvents(t *testing.T, sc *stripe.Client) []string {
	t.Helper()
	var ids []string
	for e, err := range sc.V1Events.List(ctx, &stripe.EventListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

// awaitNothingOwed waits (a minute at most) until no event of the account
// has a delivery pending: every one sent and its outcome recorded.
func awaitNothingOwed(t *testing.T, sc *stripe.Client) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		pending := 0
		for e, err := range sc.V1Events.List(ctx, &stripe.EventListParams{}) {
			if err != nil {
				t.Fatal(err)
			}
			pending += int(e.PendingWebhooks)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending after a minute", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBinaryKilledInstanceLeavesNoWebhookOwed: two instances share one
// PostgreSQL; payments arrive at one of them, which is killed (SIGKILL)
// with deliveries in flight and handed to its sender, and never comes
// back. The other instance sends every committed event once the dead
// one's leases have run out, and records each.
func TestBinaryKilledInstanceLeavesNoWebhookOwed(t *testing.T) {
	requirePostgres(t)
	t.Parallel() // mostly waiting for the dead instance's leases
	db := testdb.DSN(t)
	r := newReceiver(t)
	flags := []string{"--webhook-timeout", "2s"} // leases of timeout + 10 s
	doomed := runKassa(t, db, flags...)
	sk := doomed.key("sk")
	survivor := runKassa(t, db, flags...)
	_, err := stripeClient(survivor.URL, sk).V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{
		URL: stripe.String(r.URL), EnabledEvents: []*string{stripe.String("*")}})
	if err != nil {
		t.Fatal(err)
	}
	delivered := killMidDelivery(t, doomed, sk, r)

	sc := stripeClient(survivor.URL, sk)
	committed := committedEvents(t, sc)
	if delivered >= len(committed) {
		t.Fatalf("the kill came after every delivery (%d of %d): the test proves nothing", delivered, len(committed))
	}
	eventuallyWithin(t, time.Minute, fmt.Sprintf("the receiver acknowledged all %d committed events", len(committed)), acknowledgedAll(r, committed))
	awaitNothingOwed(t, sc)
	t.Logf("%d events committed at the killed instance, %d delivered before the kill, all by the survivor after (%d requests in all)",
		len(committed), delivered, len(r.received()))
}
