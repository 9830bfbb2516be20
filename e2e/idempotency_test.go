package e2e

import (
	"context"
	"testing"
	"time"

	"kassa/internal/store"
)

func TestIdempotentReplay(t *testing.T) {
	k := start(t)
	p := sofortParams()
	p.SetIdempotencyKey("order-42-attempt-1")
	first, err := k.SC.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	second, err := k.SC.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != first.ID || second.LastResponse.Header.Get("Idempotent-Replayed") != "true" ||
		string(second.LastResponse.RawJSON) != string(first.LastResponse.RawJSON) {
		t.Fatalf("replay: %s vs %s", first.ID, second.ID)
	}
	if first.LastResponse.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the first response claims to be a replay")
	}
	// A JSON body meaning the same thing is the same request.
	body := `{"amount": 2000, "currency": "eur", "confirm": true, "payment_method_data": {"type": "sofort",
		"billing_details": {"address": {"country": "DE"}}}, "return_url": "https://shop.example/return?order=42"}`
	r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, body, "Content-Type", "application/json", "Idempotency-Key", "order-42-attempt-1")
	if r.Status != 200 || r.Body["id"] != first.ID {
		t.Fatalf("JSON replay: %d %s", r.Status, r.Raw)
	}
	n := 0
	for range k.SC.V1PaymentIntents.List(ctx, nil) {
		n++
	}
	if n != 1 {
		t.Fatalf("%d intents after replays", n)
	}
	assertEventTypes(t, k, first.ID, "payment_intent.created", "payment_intent.requires_action")
}

func TestIdempotencyKeyWithOtherParameters(t *testing.T) {
	k := start(t)
	r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=100&currency=eur", "Idempotency-Key", "k1")
	if r.Status != 200 {
		t.Fatal(r.Raw)
	}
	r = k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=200&currency=eur", "Idempotency-Key", "k1")
	if r.Status != 400 || r.errorField("type") != "idempotency_error" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	// Another endpoint with the same key is a different request too.
	r = k.call("POST", "/v1/payment_methods", k.Keys.SecretKey, "type=vipps", "Idempotency-Key", "k1")
	if r.Status != 400 || r.errorField("type") != "idempotency_error" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	// Keys are per account.
	other := k.account("Other")
	if r := k.call("POST", "/v1/payment_intents", other.SecretKey, "amount=200&currency=eur", "Idempotency-Key", "k1"); r.Status != 200 {
		t.Fatalf("other account, same key: %d %s", r.Status, r.Raw)
	}
}

// A create whose input the build refuses (here a return_url without
// confirm) takes the in-transaction way: with a key used before by other
// parameters it answers the idempotency error, as it always did, not the
// input's own error.
func TestIdempotencyKeyWithOtherInvalidParameters(t *testing.T) {
	k := start(t)
	if r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=100&currency=eur", "Idempotency-Key", "k2"); r.Status != 200 {
		t.Fatal(r.Raw)
	}
	invalid := "amount=100&currency=eur&return_url=https%3A%2F%2Fshop.example%2F"
	r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, invalid, "Idempotency-Key", "k2")
	if r.Status != 400 || r.errorField("type") != "idempotency_error" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	r = k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, invalid, "Idempotency-Key", "k3")
	if r.Status != 400 || r.errorField("param") != "return_url" {
		t.Fatalf("the invalid create alone: %d %s", r.Status, r.Raw)
	}
}

// A create is built and rendered before the write (payment_method_data, no
// expansion): its answer is exactly what retrieving the stored intent
// answers, with a key and without, confirmed or not.
func TestBuiltCreateAnswersAsTheStoredIntent(t *testing.T) {
	k := start(t)
	for name, body := range map[string]string{
		"sofort, confirmed": "amount=2000&currency=eur&confirm=true&payment_method_data[type]=sofort" +
			"&payment_method_data[billing_details][address][country]=DE&return_url=https%3A%2F%2Fshop.example%2Freturn",
		"no method": "amount=2000&currency=eur&metadata[order]=42",
		"vipps, confirmed": "amount=2000&currency=nok&confirm=true&payment_method_data[type]=vipps" +
			"&return_url=https%3A%2F%2Fshop.example%2Freturn",
	} {
		for _, key := range []string{"", "built-" + name} {
			created := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, body, "Idempotency-Key", key)
			if created.Status != 200 {
				t.Fatalf("%s: %d %s", name, created.Status, created.Raw)
			}
			id, _ := created.Body["id"].(string)
			stored := k.call("GET", "/v1/payment_intents/"+id, k.Keys.SecretKey, "")
			if created.Raw != stored.Raw {
				t.Errorf("%s (key %q): created\n%s\nstored\n%s", name, key, created.Raw, stored.Raw)
			}
			if key != "" {
				replay := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, body, "Idempotency-Key", key)
				if replay.Raw != created.Raw || replay.Header.Get("Idempotent-Replayed") != "true" {
					t.Errorf("%s: replay %d %s", name, replay.Status, replay.Raw)
				}
			}
		}
	}
}

// TestIdempotencyKeyInFlight holds a key the way a running request holds
// it (an in-flight claim with the same parameters), then sends the request.
func TestIdempotencyKeyInFlight(t *testing.T) {
	k := start(t)
	first := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=100&currency=eur", "Idempotency-Key", "seed")
	if first.Status != 200 {
		t.Fatal(first.Raw)
	}
	// Copy the finished record's endpoint and parameter hash into a claim
	// on a fresh key that has no response yet.
	err := k.App.Store.Write(context.Background(), func(tx store.Tx) error {
		rec, err := tx.IdempotentRequest(context.Background(), k.Keys.ID, "seed")
		if err != nil {
			return err
		}
		rec.Key, rec.Status, rec.Body, rec.Claim = "busy", 0, nil, "other-request"
		_, err = tx.ClaimIdempotencyKey(context.Background(), *rec, time.Time{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=100&currency=eur", "Idempotency-Key", "busy")
	if r.Status != 409 || r.errorField("code") != "idempotency_key_in_use" {
		t.Fatalf("in flight: %d %s", r.Status, r.Raw)
	}
	// Other parameters under a key in flight are still a conflict of parameters.
	r = k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=999&currency=eur", "Idempotency-Key", "busy")
	if r.Status != 400 || r.errorField("type") != "idempotency_error" {
		t.Fatalf("other params while in flight: %d %s", r.Status, r.Raw)
	}
	// A claim whose holder died (older than the claim TTL) is taken over:
	// the dead request committed nothing, or it would have completed the key.
	k.Clock.Advance(time.Minute)
	r = k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=100&currency=eur", "Idempotency-Key", "busy")
	if r.Status != 200 || r.Body["id"] == first.Body["id"] {
		t.Fatalf("after the holder died: %d %s", r.Status, r.Raw)
	}
}

func TestFailedRequestIsNotReplayed(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(false))
	if err != nil {
		t.Fatal(err)
	}
	// Confirm without return_url fails, changes nothing and saves nothing...
	r := k.call("POST", "/v1/payment_intents/"+pi.ID+"/confirm", k.Keys.SecretKey, "", "Idempotency-Key", "c1")
	if r.Status != 400 || r.errorField("param") != "return_url" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	r = k.call("POST", "/v1/payment_intents/"+pi.ID+"/confirm", k.Keys.SecretKey, "return_url=https://shop.example/r", "Idempotency-Key", "c2")
	if r.Status != 200 || r.Body["status"] != "requires_action" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	// ...so its retry runs again, against the intent as it is now.
	r = k.call("POST", "/v1/payment_intents/"+pi.ID+"/confirm", k.Keys.SecretKey, "", "Idempotency-Key", "c1")
	if r.Status != 400 || r.errorField("code") != "payment_intent_unexpected_state" {
		t.Fatalf("retry of the failed request runs again: %d %s", r.Status, r.Raw)
	}
}

// TestConcurrentRequestsWithOneKey sends one request many times at once
// with the same key: one runs, the others wait for it and replay it.
func TestConcurrentRequestsWithOneKey(t *testing.T) {
	k := start(t)
	const senders = 8
	results := make(chan response, senders)
	for range senders {
		go func() {
			results <- k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=700&currency=eur", "Idempotency-Key", "same")
		}()
	}
	ids := map[any]int{}
	replayed := 0
	for range senders {
		r := <-results
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		ids[r.Body["id"]]++
		if r.Header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if len(ids) != 1 || replayed != senders-1 {
		t.Fatalf("ids %v, %d replayed of %d", ids, replayed, senders)
	}
}
