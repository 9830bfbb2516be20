package e2e

import (
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v82"

	"kassa/internal/store/testdb"
)

// Several Kassa instances on one PostgreSQL database, as behind a load
// balancer: every conflicting request gets exactly one effect.

func requirePostgres(t testing.TB) {
	t.Helper()
	if !testdb.Postgres() {
		t.Skip("several instances share a PostgreSQL database: run with KASSA_TEST_DB=postgres (scripts/test does)")
	}
}

// remote is a kassa for a running process, so the HTTP helpers work on it.
func remote(t *testing.T, p *process, sk string) *kassa {
	return &kassa{t: t, URL: p.URL, SC: stripeClient(p.URL, sk)}
}

func TestTwoProcessesGiveOneEffectEach(t *testing.T) {
	requirePostgres(t)
	db := testdb.DSN(t)
	a := runKassa(t, db)
	sk := a.key("sk")
	b := runKassa(t, db)
	if b.key("sk") != "" {
		t.Fatalf("the second instance created another account: %v", b.Output)
	}
	instances := []*kassa{remote(t, a, sk), remote(t, b, sk)}
	on := func(i int) *kassa { return instances[i%2] }
	// Fill both instances' connection pools first, so that the races below
	// are not spread out by connection set-up.
	race(40, func(i int) error {
		_, err := on(i).SC.V1Events.Retrieve(ctx, "evt_none", nil)
		return err
	})

	t.Run("capture", func(t *testing.T) {
		p := vippsParams(true)
		p.CaptureMethod = stripe.String("manual")
		pi, err := on(1).SC.V1PaymentIntents.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if r := on(0).call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", sk, ""); r.Status != 200 {
			t.Fatalf("succeed: %d %s", r.Status, r.Raw)
		}
		ok, errs := race(40, func(i int) error {
			_, err := on(i).SC.V1PaymentIntents.Capture(ctx, pi.ID, &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(600)})
			return err
		})
		if ok != 1 {
			t.Fatalf("%d captures succeeded", ok)
		}
		for _, err := range errs {
			if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" {
				t.Fatalf("loser got %+v", se)
			}
		}
		pi, _ = on(0).SC.V1PaymentIntents.Retrieve(ctx, pi.ID, &stripe.PaymentIntentRetrieveParams{Params: stripe.Params{Expand: []*string{stripe.String("latest_charge")}}})
		if pi.AmountReceived != 600 || pi.LatestCharge.AmountCaptured != 600 {
			t.Fatalf("captured %d / %d", pi.AmountReceived, pi.LatestCharge.AmountCaptured)
		}
		assertEventTypes(t, on(1), pi.ID, "payment_intent.created", "payment_intent.requires_action",
			"charge.succeeded", "payment_intent.amount_capturable_updated", "charge.captured", "payment_intent.succeeded")
	})

	t.Run("confirm", func(t *testing.T) {
		pi, err := on(0).SC.V1PaymentIntents.Create(ctx, vippsParams(false))
		if err != nil {
			t.Fatal(err)
		}
		ok, errs := race(40, func(i int) error {
			_, err := on(i).SC.V1PaymentIntents.Confirm(ctx, pi.ID, &stripe.PaymentIntentConfirmParams{ReturnURL: stripe.String("https://shop.example/r")})
			return err
		})
		if ok != 1 {
			t.Fatalf("%d confirmations succeeded", ok)
		}
		for _, err := range errs {
			if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" {
				t.Fatalf("loser got %+v", se)
			}
		}
		assertEventTypes(t, on(1), pi.ID, "payment_intent.created", "payment_intent.requires_action")
	})

	t.Run("idempotency key", func(t *testing.T) {
		const key = "order-4711"
		body := "amount=2000&currency=eur&confirm=true&payment_method_data[type]=sofort" +
			"&payment_method_data[billing_details][address][country]=DE&return_url=https://shop.example/r"
		var mu sync.Mutex
		created := map[string]int{}
		race(20, func(i int) error {
			r := on(i).call("POST", "/v1/payment_intents", sk, body, "Idempotency-Key", key)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case r.Status == 200:
				created[r.Body["id"].(string)]++
			case r.Status == 409 && r.errorField("code") == "idempotency_key_in_use":
			default:
				t.Errorf("instance %d: %d %s", i%2, r.Status, r.Raw)
			}
			return nil
		})
		if len(created) != 1 {
			t.Fatalf("one key made intents %v", created)
		}
		var id string
		for id = range created {
		}
		for i := range 2 {
			r := on(i).call("POST", "/v1/payment_intents", sk, body, "Idempotency-Key", key)
			if r.Status != 200 || r.Body["id"] != id || r.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay on instance %d: %d %v %s", i, r.Status, r.Header, r.Raw)
			}
		}
		n := 0
		for e, err := range on(0).SC.V1Events.List(ctx, &stripe.EventListParams{Type: stripe.String("payment_intent.created")}) {
			if err != nil {
				t.Fatal(err)
			}
			if e.Request != nil && e.Request.IdempotencyKey == key {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d payment_intent.created events carry the key", n)
		}
	})

	t.Run("succeed, fail and expire at once", func(t *testing.T) {
		pi, err := on(0).SC.V1PaymentIntents.Create(ctx, sofortParams())
		if err != nil {
			t.Fatal(err)
		}
		ok, _ := race(30, func(i int) error {
			action := []string{"succeed", "fail", "expire"}[i%3]
			if r := on(i/3).call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/"+action, sk, ""); r.Status != 200 {
				return errStatus(r.Status)
			}
			return nil
		})
		if ok != 1 {
			t.Fatalf("%d outcomes applied", ok)
		}
		pi, err = on(1).SC.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		outcome := []string{"charge.failed", "payment_intent.payment_failed"}
		if pi.Status == stripe.PaymentIntentStatusSucceeded {
			outcome = []string{"charge.succeeded", "payment_intent.succeeded"}
		}
		assertEventTypes(t, on(0), pi.ID, append([]string{"payment_intent.created", "payment_intent.requires_action"}, outcome...)...)
	})

	// Totals over the account: 4 intents; 2+6+2+4 events; one charge for
	// the capture and one for the outcome race.
	intents, charges, events := 0, 0, 0
	for _, err := range on(0).SC.V1PaymentIntents.List(ctx, &stripe.PaymentIntentListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		intents++
	}
	for _, err := range on(1).SC.V1Charges.List(ctx, &stripe.ChargeListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		charges++
	}
	for _, err := range on(0).SC.V1Events.List(ctx, &stripe.EventListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		events++
	}
	if intents != 4 || charges != 2 || events != 14 {
		t.Fatalf("totals: %d intents, %d charges, %d events; want 4, 2, 14", intents, charges, events)
	}
}

// TestInstancesStartingTogetherCreateOneAccount: on an empty database, of
// several instances starting at once exactly one creates the sandbox
// account (and prints its keys); all of them accept those keys.
func TestInstancesStartingTogetherCreateOneAccount(t *testing.T) {
	requirePostgres(t)
	db := testdb.EmptyDSN(t)
	const n = 3
	procs := make([]*process, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { procs[i], errs[i] = startKassa(db) })
	}
	wg.Wait()
	for _, p := range procs {
		if p != nil {
			t.Cleanup(p.kill)
		}
	}
	var keys []string
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if sk := procs[i].key("sk"); sk != "" {
			keys = append(keys, sk)
		}
	}
	if len(keys) != 1 {
		t.Fatalf("%d instances created an account", len(keys))
	}
	for _, p := range procs {
		if _, err := stripeClient(p.URL, keys[0]).V1PaymentIntents.Create(ctx, sofortParams()); err != nil {
			t.Fatalf("instance %s: %v", p.URL, err)
		}
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var accounts int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&accounts); err != nil || accounts != 1 {
		t.Fatalf("%d accounts, %v", accounts, err)
	}
}

// TestTwoInstancesExpireEachAttemptOnce: both instances' timer loops find
// the same overdue attempts; each is expired once.
func TestTwoInstancesExpireEachAttemptOnce(t *testing.T) {
	requirePostgres(t)
	k := start(t)
	peer := k.peer()
	const n = 20
	ids := make([]string, n)
	for i := range n {
		pi, err := []*kassa{k, peer}[i%2].SC.V1PaymentIntents.Create(ctx, vippsParams(true))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = pi.ID
	}
	k.Clock.Advance(5 * time.Minute)
	for _, id := range ids {
		waitStatus(t, k, id, stripe.PaymentIntentStatusRequiresPaymentMethod)
	}
	// Let a few more timer rounds of both instances pass over them.
	time.Sleep(50 * time.Millisecond)
	charges := 0
	for ch, err := range peer.SC.V1Charges.List(ctx, &stripe.ChargeListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		if ch.FailureCode != "payment_intent_payment_attempt_expired" {
			t.Fatalf("charge %s: %s", ch.ID, ch.FailureCode)
		}
		charges++
	}
	failed := map[string]int{}
	for e, err := range k.SC.V1Events.List(ctx, &stripe.EventListParams{Types: []*string{stripe.String("charge.failed"), stripe.String("payment_intent.payment_failed")}}) {
		if err != nil {
			t.Fatal(err)
		}
		failed[string(e.Type)]++
	}
	if charges != n || failed["charge.failed"] != n || failed["payment_intent.payment_failed"] != n {
		t.Fatalf("%d attempts expired into %d charges and events %v", n, charges, failed)
	}
}

// TestTwoInstancesDeliverEachWebhookOnce: both instances' senders work the
// same outbox while payments arrive at both; every event reaches the
// endpoint, and none twice (the clock stands still, so no lease runs out
// and nothing may legitimately be sent again).
func TestTwoInstancesDeliverEachWebhookOnce(t *testing.T) {
	requirePostgres(t)
	k := start(t)
	peer := k.peer()
	r := newReceiver(t)
	r.delay.Store(int64(2 * time.Millisecond)) // a backlog for both senders to share
	k.createEndpoint(r.URL, "*")
	race(40, func(i int) error {
		_, err := []*kassa{k, peer}[i%2].SC.V1PaymentIntents.Create(ctx, sofortParams())
		if err != nil {
			t.Error(err)
		}
		return err
	})
	events := k.events()
	if len(events) != 80 { // created and requires_action for each
		t.Fatalf("%d events", len(events))
	}
	eventually(t, "every event is acknowledged", func() bool { return len(r.acknowledged()) == len(events) })
	time.Sleep(50 * time.Millisecond) // more sender rounds on both instances
	sent := map[string]int{}
	for _, req := range r.received() {
		sent[req.EventID]++
	}
	for _, e := range events {
		if sent[e.ID] != 1 {
			t.Errorf("event %s sent %d times", e.ID, sent[e.ID])
		}
	}
}
