package e2e

import (
	"regexp"
	"sync"
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
		// A slow receiver during the burst: the kill finds requests in
		// flight, whose leases the dead process never releases, and the
		// receiver does not count them as delivered. Events committed in the
		// last 100 ms before the kill are therefore never delivered by then,
		// however fast delivery keeps up with the burst.
		r.delay.Store(int64(100 * time.Millisecond))
		sc := stripeClient(p.URL, sk)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					sc.V1PaymentIntents.Create(ctx, sofortParams())
				}
			}()
		}
		time.Sleep(300 * time.Millisecond)
		// The burst's deliveries go to the sender with their writes, leased
		// at insert: the kill must find such deliveries in flight and
		// waiting, not only claimed ones (on a slow machine the first may
		// take longer than the 300 ms).
		handed := regexp.MustCompile(`kassa_webhook_deliveries_taken_total\{from="write"\} [1-9]`)
		for deadline := time.Now().Add(10 * time.Second); !handed.MatchString(metricsAt(t, p.URL)); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: no delivery was handed over by its write", round)
			}
		}
		p.kill()
		close(stop)
		wg.Wait()
		delivered := len(r.acknowledged())
		r.delay.Store(0)

		p = runKassa(t, db, flags...)
		sc = stripeClient(p.URL, sk)
		var committed []string
		for e, err := range sc.V1Events.List(ctx, &stripe.EventListParams{}) {
			if err != nil {
				t.Fatal(err)
			}
			committed = append(committed, e.ID)
		}
		if delivered >= len(committed) {
			t.Fatalf("round %d: the kill came after every delivery (%d of %d): the test proves nothing", round, delivered, len(committed))
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			got := r.acknowledged()
			missing := 0
			for _, id := range committed {
				if _, ok := got[id]; !ok {
					missing++
				}
			}
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d of %d committed events never reached the receiver", round, missing, len(committed))
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("round %d: %d events committed, %d delivered before the kill, all delivered after restart (%d requests in all)",
			round, len(committed), delivered, len(r.received()))
	}
	// Nothing stays owed: what the dead processes held leased is sent again
	// once the leases run out, and recorded.
	sc := stripeClient(p.URL, sk)
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
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending a minute after the last restart", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("all recorded; %d requests for %d events (at least once)", len(r.received()), len(r.acknowledged()))
}
