package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/store/testdb"
)

// checkoutsAcknowledged is what customers and the shop got a success for
// before a crash: sessions created, paid on the hosted page (sent on to
// the bank) and completed.
type checkoutsAcknowledged struct {
	mu        sync.Mutex
	intents   map[string]string // session id → its payment intent
	paid      map[string]bool
	completed map[string]bool
}

func (a *checkoutsAcknowledged) note(m map[string]bool, id string) {
	a.mu.Lock()
	m[id] = true
	a.mu.Unlock()
}

func (a *checkoutsAcknowledged) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.intents)
}

// TestBinaryCrashLosesNoCheckout kills Kassa with SIGKILL at a random
// moment while shops create Checkout Sessions and customers pay them on
// the hosted page and at the sandbox bank, restarts it on the same
// database, and checks that every acknowledged session is there as far as
// it got: a payment sent on to the bank kept its Sofort intent, a
// completed one is complete and paid with one checkout.session.completed
// event and its charge booked once, and no session is complete without
// its intent having succeeded.
func TestBinaryCrashLosesNoCheckout(t *testing.T) {
	db := testdb.DSN(t)
	var sk string // printed on the first start only
	ack := &checkoutsAcknowledged{intents: map[string]string{}, paid: map[string]bool{}, completed: map[string]bool{}}
	for round := range crashRounds(t) {
		p := runKassa(t, db)
		if round == 0 {
			sk = p.key("sk")
		}
		before := ack.count()
		killAndWait := workUntilKilled(p, 6, func(stop chan struct{}) { checkoutAndPay(p.URL, sk, ack, stop) })
		awaitKillMoment(func() bool { return ack.count() > before })
		killAndWait()
		if ack.count() == before {
			t.Fatalf("round %d: no session was acknowledged before the kill", round)
		}
		p = runKassa(t, db)
		checkCheckoutsAcknowledged(t, stripeClient(p.URL, sk), ack)
		t.Logf("round %d: %d sessions, %d paid, %d completed acknowledged so far survived kill -9",
			round, len(ack.intents), len(ack.paid), len(ack.completed))
		p.kill()
	}
}

// checkoutAndPay creates a session for two items, pays it with Sofort on
// the hosted page and has the sandbox bank succeed the payment, over and
// over until stop; it notes every success.
func checkoutAndPay(baseURL, sk string, ack *checkoutsAcknowledged, stop chan struct{}) {
	sc := stripeClient(baseURL, sk)
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for {
		select {
		case <-stop:
			return
		default:
		}
		cs, err := sc.V1CheckoutSessions.Create(ctx, &stripe.CheckoutSessionCreateParams{
			Mode:       stripe.String("payment"),
			LineItems:  []*stripe.CheckoutSessionCreateLineItemParams{item("eur", "Apfel", 1250, 2)},
			SuccessURL: stripe.String("https://shop.example/success?session_id={CHECKOUT_SESSION_ID}"),
			CancelURL:  stripe.String("https://shop.example/cart"),
		})
		if err != nil || cs.PaymentIntent == nil {
			continue
		}
		ack.mu.Lock()
		ack.intents[cs.ID] = cs.PaymentIntent.ID
		ack.mu.Unlock()
		u, err := url.Parse(cs.URL)
		if err != nil {
			continue
		}
		resp, err := noRedirects.PostForm(baseURL+"/checkout/pay/"+cs.ID,
			url.Values{"key": {u.Query().Get("key")}, "method": {"sofort"}, "country": {"AT"}})
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/sandbox/pay/") {
			continue
		}
		ack.note(ack.paid, cs.ID)
		req, _ := http.NewRequestWithContext(ctx, "POST", baseURL+"/v1/test_helpers/payment_intents/"+cs.PaymentIntent.ID+"/succeed", nil)
		req.SetBasicAuth(sk, "")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			ack.note(ack.completed, cs.ID)
		}
	}
}

func checkCheckoutsAcknowledged(t *testing.T, sc *stripe.Client, ack *checkoutsAcknowledged) {
	t.Helper()
	completions := map[string]int{}
	for e, err := range sc.V1Events.List(ctx, &stripe.EventListParams{Type: stripe.String("checkout.session.completed")}) {
		if err != nil {
			t.Fatal(err)
		}
		completions[e.Data.Object["id"].(string)]++
	}
	booked, charges := bookings(t, sc), 0
	for id, piID := range ack.intents {
		cs, err := sc.V1CheckoutSessions.Retrieve(ctx, id, nil)
		if err != nil {
			t.Fatalf("acknowledged session %s after restart: %v", id, err)
		}
		if cs.PaymentIntent == nil || cs.PaymentIntent.ID != piID {
			t.Fatalf("session %s has intent %v, was created with %s", id, cs.PaymentIntent, piID)
		}
		pi, err := sc.V1PaymentIntents.Retrieve(ctx, piID, nil)
		if err != nil {
			t.Fatalf("session %s's intent %s after restart: %v", id, piID, err)
		}
		// What the kill cut off before its answer may have committed.
		complete := cs.Status == stripe.CheckoutSessionStatusComplete
		switch {
		case ack.completed[id] && !complete:
			t.Fatalf("acknowledged completion of session %s: it is %s", id, cs.Status)
		case ack.paid[id] && pi.Status != stripe.PaymentIntentStatusRequiresAction && pi.Status != stripe.PaymentIntentStatusSucceeded:
			t.Fatalf("session %s was sent on to the bank, its intent %s is %s", id, piID, pi.Status)
		case ack.paid[id] && (pi.PaymentMethod == nil || len(pi.PaymentMethodTypes) == 0):
			t.Fatalf("session %s was sent on to the bank, its intent %s has no payment method", id, piID)
		case complete != (pi.Status == stripe.PaymentIntentStatusSucceeded):
			t.Fatalf("session %s is %s while its intent %s is %s", id, cs.Status, piID, pi.Status)
		case complete && cs.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid:
			t.Fatalf("complete session %s has payment status %s", id, cs.PaymentStatus)
		}
		want := 0 // checkout.session.completed events
		if complete {
			want = 1
			charges++
			if pi.LatestCharge == nil || !bookedOnce(booked, pi.LatestCharge.ID, stripe.BalanceTransactionTypeCharge, 2500) {
				t.Fatalf("complete session %s: its charge is not booked once for 2500: %v", id, pi.LatestCharge)
			}
		}
		if completions[id] != want {
			t.Fatalf("session %s (%s) has %d checkout.session.completed events", id, cs.Status, completions[id])
		}
	}
	if len(booked) != charges {
		t.Fatalf("%d sources booked, %d sessions complete", len(booked), charges)
	}
}
