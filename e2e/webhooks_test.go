package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"kassa/internal/delivery"
)

// foundationEventTypes are the event types the payment flows below emit.
var foundationEventTypes = []string{
	"charge.captured", "charge.failed", "charge.succeeded",
	"payment_intent.amount_capturable_updated", "payment_intent.canceled", "payment_intent.created",
	"payment_intent.payment_failed", "payment_intent.requires_action", "payment_intent.succeeded",
}

func (k *kassa) createEndpoint(url string, events ...string) *stripe.WebhookEndpoint {
	k.t.Helper()
	p := &stripe.WebhookEndpointCreateParams{URL: stripe.String(url), Description: stripe.String("test receiver")}
	for _, e := range events {
		p.EnabledEvents = append(p.EnabledEvents, stripe.String(e))
	}
	we, err := k.SC.V1WebhookEndpoints.Create(ctx, p)
	if err != nil {
		k.t.Fatal(err)
	}
	return we
}

// everyEventType runs payment flows that, together, emit every event type
// the foundation records.
func (k *kassa) everyEventType() {
	k.t.Helper()
	succeed := func(id string) {
		k.call("POST", "/v1/test_helpers/payment_intents/"+id+"/succeed", k.Keys.SecretKey, "")
	}
	fail := func(id string) { k.call("POST", "/v1/test_helpers/payment_intents/"+id+"/fail", k.Keys.SecretKey, "") }
	paid, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
	if err != nil {
		k.t.Fatal(err)
	}
	succeed(paid.ID)
	failed, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
	if err != nil {
		k.t.Fatal(err)
	}
	fail(failed.ID)
	canceled, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(false))
	if err != nil {
		k.t.Fatal(err)
	}
	if _, err := k.SC.V1PaymentIntents.Cancel(ctx, canceled.ID, nil); err != nil {
		k.t.Fatal(err)
	}
	p := vippsParams(true)
	p.CaptureMethod = stripe.String("manual")
	held, err := k.SC.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		k.t.Fatal(err)
	}
	succeed(held.ID)
	if _, err := k.SC.V1PaymentIntents.Capture(ctx, held.ID, nil); err != nil {
		k.t.Fatal(err)
	}
}

// events lists all of the account's events.
func (k *kassa) events() []*stripe.Event {
	k.t.Helper()
	var out []*stripe.Event
	for e, err := range k.SC.V1Events.List(ctx, &stripe.EventListParams{}) {
		if err != nil {
			k.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func eventuallyAll(t *testing.T, r *receiver, ids []string) {
	t.Helper()
	eventually(t, fmt.Sprintf("the receiver acknowledged all %d events", len(ids)), acknowledgedAll(r, ids))
}

// acknowledgedAll tells whether r has acknowledged every event of ids.
func acknowledgedAll(r *receiver, ids []string) func() bool {
	return func() bool {
		got := r.acknowledged()
		for _, id := range ids {
			if _, ok := got[id]; !ok {
				return false
			}
		}
		return true
	}
}

func eventIDs(events []*stripe.Event, keep func(*stripe.Event) bool) []string {
	var out []string
	for _, e := range events {
		if keep == nil || keep(e) {
			out = append(out, e.ID)
		}
	}
	return out
}

func TestWebhooksDeliverEveryEventTypeSignedToSubscribersOnly(t *testing.T) {
	k := start(t)
	all, succeeded, unsubscribed := newReceiver(t), newReceiver(t), newReceiver(t)
	allEP := k.createEndpoint(all.URL, "*")
	succeededEP := k.createEndpoint(succeeded.URL, "payment_intent.succeeded")
	k.createEndpoint(unsubscribed.URL, "payment_intent.processing")
	disabled := newReceiver(t)
	disabledEP := k.createEndpoint(disabled.URL, "*")
	if _, err := k.SC.V1WebhookEndpoints.Update(ctx, disabledEP.ID, &stripe.WebhookEndpointUpdateParams{Disabled: stripe.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	// Another account's endpoint sees none of this account's events.
	other := k.account("Other Shop")
	otherReceiver := newReceiver(t)
	if _, err := k.client(other.SecretKey).V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{
		URL: stripe.String(otherReceiver.URL), EnabledEvents: []*string{stripe.String("*")}}); err != nil {
		t.Fatal(err)
	}

	k.everyEventType()
	events := k.events()
	types := map[string]bool{}
	for _, e := range events {
		types[string(e.Type)] = true
	}
	for _, typ := range foundationEventTypes {
		if !types[typ] {
			t.Fatalf("the flows emitted no %s event: %v", typ, types)
		}
	}
	eventuallyAll(t, all, eventIDs(events, nil))
	wantSucceeded := eventIDs(events, func(e *stripe.Event) bool { return e.Type == "payment_intent.succeeded" })
	eventuallyAll(t, succeeded, wantSucceeded)

	// Every delivery verifies with stripe-go, and is the event exactly as
	// the API renders it (pending_webhooks aside).
	for _, rcv := range []struct {
		r      *receiver
		secret string
	}{{all, allEP.Secret}, {succeeded, succeededEP.Secret}} {
		for _, req := range rcv.r.received() {
			e, err := webhook.ConstructEvent(req.Body, req.Signature, rcv.secret)
			if err != nil {
				t.Fatalf("stripe-go rejects delivery of %s: %v", req.EventID, err)
			}
			if _, err := webhook.ConstructEvent(req.Body, req.Signature, allEP.Secret+"x"); err == nil {
				t.Fatal("a delivery verifies with a wrong secret")
			}
			if e.APIVersion != "2025-08-27.basil" || e.Data == nil || e.Data.Object["id"] == nil {
				t.Fatalf("event %+v", e)
			}
			api := k.call("GET", "/v1/events/"+req.EventID, k.Keys.SecretKey, "").Body
			var sent map[string]any
			json.Unmarshal(req.Body, &sent)
			delete(api, "pending_webhooks")
			delete(sent, "pending_webhooks")
			if !reflect.DeepEqual(api, sent) {
				t.Fatalf("delivered body differs from GET /v1/events/%s:\n sent %v\n  api %v", req.EventID, sent, api)
			}
		}
	}
	if got := len(succeeded.received()); got != len(wantSucceeded) {
		t.Fatalf("the payment_intent.succeeded endpoint got %d requests for %d events", got, len(wantSucceeded))
	}
	for _, r := range []*receiver{unsubscribed, disabled, otherReceiver} {
		if got := r.received(); len(got) != 0 {
			t.Fatalf("an endpoint that does not subscribe got %d requests, first %s", len(got), got[0].Type)
		}
	}
	eventually(t, "pending_webhooks reaches 0", func() bool {
		for _, e := range k.events() {
			if e.PendingWebhooks != 0 {
				return false
			}
		}
		return true
	})
	// The signing secret is shown once and is not in the database in the clear.
	we, err := k.SC.V1WebhookEndpoints.Retrieve(ctx, allEP.ID, nil)
	if err != nil || we.Secret != "" || we.URL != all.URL || we.Status != "enabled" {
		t.Fatalf("retrieve: %+v %v", we, err)
	}
	if !strings.HasPrefix(allEP.Secret, "whsec_") {
		t.Fatalf("secret %q", allEP.Secret)
	}
	db, _ := os.ReadFile(k.App.Config.DB)
	wal, _ := os.ReadFile(k.App.Config.DB + "-wal")
	if strings.Contains(string(db)+string(wal), allEP.Secret) {
		t.Fatal("the signing secret is stored in the clear")
	}
}

// deliveries reads Kassa's extension route.
func (k *kassa) deliveries(endpointID string) []map[string]any {
	k.t.Helper()
	r := k.call("GET", "/v1/webhook_endpoints/"+endpointID+"/deliveries?limit=100", k.Keys.SecretKey, "")
	if r.Status != 200 {
		k.t.Fatalf("deliveries: %d %s", r.Status, r.Raw)
	}
	var out []map[string]any
	for _, d := range r.Body["data"].([]any) {
		out = append(out, d.(map[string]any))
	}
	return out
}

func TestWebhooksRetryUntilTheReceiverRecovers(t *testing.T) {
	k := start(t)
	r := newReceiver(t)
	r.status.Store(http.StatusInternalServerError)
	we := k.createEndpoint(r.URL, "*")
	if _, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams()); err != nil {
		t.Fatal(err)
	}
	events := k.events()
	if len(events) != 2 {
		t.Fatalf("%d events", len(events))
	}
	// Each failed once; the next attempts wait for the clock.
	attempted := func(n int) func() bool {
		return func() bool {
			ds := k.deliveries(we.ID)
			for _, d := range ds {
				if d["attempt_count"].(float64) < float64(n) {
					return false
				}
			}
			return len(ds) == 2
		}
	}
	eventually(t, "a first attempt at each", attempted(1))
	time.Sleep(50 * time.Millisecond)
	if got := len(r.received()); got != 2 {
		t.Fatalf("%d requests before the retry is due", got)
	}
	for _, e := range k.events() {
		if e.PendingWebhooks != 1 {
			t.Fatalf("pending_webhooks %d while failing", e.PendingWebhooks)
		}
	}
	d := k.deliveries(we.ID)[0]
	first := d["attempts"].([]any)[0].(map[string]any)
	if d["status"] != "pending" || first["status_code"].(float64) != 500 || !strings.Contains(first["error"].(string), "500") ||
		d["next_attempt_at"].(float64) < float64(t0.Add(20*time.Second).Unix()) {
		t.Fatalf("a failed delivery: %v", d)
	}
	// Two more failures as the clock reaches each retry.
	for n := 2; n <= 3; n++ {
		k.Clock.Advance(5 * time.Minute)
		eventually(t, fmt.Sprintf("attempt %d", n), attempted(n))
	}
	r.status.Store(http.StatusNoContent)
	k.Clock.Advance(10 * time.Minute)
	eventuallyAll(t, r, eventIDs(events, nil))
	eventually(t, "the deliveries are recorded as succeeded", func() bool {
		for _, d := range k.deliveries(we.ID) {
			if d["status"] != "succeeded" || d["next_attempt_at"] != nil || d["attempt_count"].(float64) != 4 {
				return false
			}
		}
		return true
	})
	e, _ := k.SC.V1Events.Retrieve(ctx, events[0].ID, nil)
	if e.PendingWebhooks != 0 {
		t.Fatalf("pending_webhooks %d after success", e.PendingWebhooks)
	}
	// The first attempts came with their writes, the three retries of each
	// from the outbox.
	metrics := k.metrics(t)
	for _, want := range []string{`kassa_webhook_deliveries_taken_total{from="write"} 2`, `kassa_webhook_deliveries_taken_total{from="outbox"} 6`} {
		if !strings.Contains(metrics, want) {
			t.Fatalf("/metrics lacks %s", want)
		}
	}
	// Every request, failed or not, was signed.
	for _, req := range r.received() {
		if _, err := webhook.ConstructEvent(req.Body, req.Signature, we.Secret); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWebhooksGiveUpAfterThreeDays(t *testing.T) {
	k := start(t)
	r := newReceiver(t)
	r.status.Store(http.StatusServiceUnavailable)
	we := k.createEndpoint(r.URL, "payment_intent.created")
	if _, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(false)); err != nil {
		t.Fatal(err)
	}
	delivery := func() map[string]any { return k.deliveries(we.ID)[0] }
	eventually(t, "the first attempt", func() bool { return delivery()["attempt_count"].(float64) == 1 })
	// Move the clock to each retry as it falls due.
	var delays []time.Duration
	for delivery()["status"] == "pending" {
		d := delivery()
		n := d["attempt_count"].(float64)
		wait := time.Unix(int64(d["next_attempt_at"].(float64)), 0).Sub(k.Clock.Now()) + time.Second
		delays = append(delays, wait)
		k.Clock.Advance(wait)
		eventually(t, "the next attempt", func() bool { return delivery()["attempt_count"].(float64) > n })
	}
	d := delivery()
	attempts := int(d["attempt_count"].(float64))
	// Nominally 16 attempts (the first and 15 retries); jitter moves that a little.
	if d["status"] != "failed" || d["next_attempt_at"] != nil || attempts < 13 || attempts > 19 {
		t.Fatalf("given up: %v", d)
	}
	if delays[0] < 20*time.Second || delays[0] > 40*time.Second || delays[len(delays)-1] < 9*time.Hour || delays[len(delays)-1] > 16*time.Hour {
		t.Fatalf("retry delays %v", delays)
	}
	last := d["attempts"].([]any)[attempts-1].(map[string]any)
	if at := time.Unix(int64(last["attempted_at"].(float64)), 0); at.After(t0.Add(72*time.Hour)) || at.Before(t0.Add(55*time.Hour)) {
		t.Fatalf("last attempt at +%v", at.Sub(t0))
	}
	if got := len(r.received()); got != attempts {
		t.Fatalf("%d requests for %v attempts", got, attempts)
	}
}

// TestWebhooksSlowEndpointDoesNotStallOthers: one account's endpoint hangs;
// another account's endpoint still gets its events at once, and the hung
// endpoint never has more than its share of requests in flight.
func TestWebhooksSlowEndpointDoesNotStallOthers(t *testing.T) {
	k := start(t)
	release := make(chan struct{})
	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	slow := newReceiver(t)
	slow.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		mu.Unlock()
		<-release
		mu.Lock()
		inFlight--
		mu.Unlock()
	})
	k.createEndpoint(slow.URL, "*")
	limit := delivery.DefaultPerEndpoint
	for range limit + 4 {
		if _, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(false)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the slow endpoint is busy", func() bool { mu.Lock(); defer mu.Unlock(); return inFlight > 0 })

	other := k.account("Fast Shop")
	fast := newReceiver(t)
	osc := k.client(other.SecretKey)
	if _, err := osc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{
		URL: stripe.String(fast.URL), EnabledEvents: []*string{stripe.String("*")}}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for range 5 {
		pi, err := osc.V1PaymentIntents.Create(ctx, vippsParams(false))
		if err != nil {
			t.Fatal(err)
		}
		for e, err := range osc.V1Events.List(ctx, &stripe.EventListParams{}) {
			if err != nil {
				t.Fatal(err)
			}
			if e.Data.Object["id"] == pi.ID {
				want = append(want, e.ID)
			}
		}
	}
	eventuallyAll(t, fast, want)
	mu.Lock()
	stuck, most := inFlight, maxInFlight
	mu.Unlock()
	close(release)
	if stuck == 0 || most > limit {
		t.Fatalf("slow endpoint: %d in flight while the fast one was served, at most %d at once (limit %d)", stuck, most, limit)
	}
}

func TestWebhookEndpointsAPI(t *testing.T) {
	k := start(t)
	r := newReceiver(t)
	// Unknown event types are refused with the list of valid ones.
	_, err := k.SC.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{
		URL: stripe.String(r.URL), EnabledEvents: []*string{stripe.String("payment_intent.succeeded"), stripe.String("invoice.paid")}})
	se := stripeError(t, err)
	if se.HTTPStatusCode != 400 || se.Param != "enabled_events[1]" || !strings.Contains(se.Msg, "invoice.paid") ||
		!strings.Contains(se.Msg, "charge.captured") || !strings.Contains(se.Msg, "payment_intent.amount_capturable_updated") {
		t.Fatalf("%+v", se)
	}
	for _, bad := range []string{"ftp://x.example/", "not a url", "https://user:pw@x.example/"} {
		_, err := k.SC.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{URL: stripe.String(bad), EnabledEvents: []*string{stripe.String("*")}})
		if se := stripeError(t, err); se.Param != "url" {
			t.Fatalf("%s: %+v", bad, se)
		}
	}
	_, err = k.SC.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{URL: stripe.String(r.URL)})
	if se := stripeError(t, err); se.Code != "parameter_missing" || se.Param != "enabled_events" {
		t.Fatalf("%+v", se)
	}

	p := &stripe.WebhookEndpointCreateParams{URL: stripe.String(r.URL), EnabledEvents: []*string{stripe.String("payment_intent.created")},
		APIVersion: stripe.String("2025-08-27.basil"), Description: stripe.String("orders")}
	p.AddMetadata("team", "shop")
	we, err := k.SC.V1WebhookEndpoints.Create(ctx, p)
	if err != nil || !strings.HasPrefix(we.ID, "we_") || we.APIVersion != "2025-08-27.basil" || we.Metadata["team"] != "shop" ||
		we.Description != "orders" || we.Status != "enabled" || len(we.EnabledEvents) != 1 {
		t.Fatalf("%+v %v", we, err)
	}
	we2 := k.createEndpoint(r.URL, "*")
	var listed []string
	for e, err := range k.SC.V1WebhookEndpoints.List(ctx, &stripe.WebhookEndpointListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, e.ID)
	}
	if fmt.Sprint(listed) != fmt.Sprint([]string{we2.ID, we.ID}) {
		t.Fatalf("list %v", listed)
	}
	up, err := k.SC.V1WebhookEndpoints.Update(ctx, we.ID, &stripe.WebhookEndpointUpdateParams{
		EnabledEvents: []*string{stripe.String("charge.succeeded"), stripe.String("charge.failed")}, Disabled: stripe.Bool(true)})
	if err != nil || up.Status != "disabled" || fmt.Sprint(up.EnabledEvents) != "[charge.succeeded charge.failed]" || up.Secret != "" {
		t.Fatalf("%+v %v", up, err)
	}
	// A replay of the create shows the same secret; the key saved none.
	first := k.call("POST", "/v1/webhook_endpoints", k.Keys.SecretKey, "url="+r.URL+"&enabled_events[0]=*", "Idempotency-Key", "we-create-1")
	replay := k.call("POST", "/v1/webhook_endpoints", k.Keys.SecretKey, "url="+r.URL+"&enabled_events[0]=*", "Idempotency-Key", "we-create-1")
	if first.Status != 200 || replay.Header.Get("Idempotent-Replayed") != "true" || replay.Body["id"] != first.Body["id"] ||
		!strings.HasPrefix(first.Body["secret"].(string), "whsec_") || replay.Body["secret"] != first.Body["secret"] {
		t.Fatalf("create %s\nreplay %s", first.Raw, replay.Raw)
	}
	k.SC.V1WebhookEndpoints.Delete(ctx, first.Body["id"].(string), nil)
	// Another account cannot see or touch it.
	other := k.client(k.account("Other").SecretKey)
	if _, err := other.V1WebhookEndpoints.Retrieve(ctx, we.ID, nil); stripeError(t, err).HTTPStatusCode != 404 {
		t.Fatal("another account's endpoint is visible")
	}
	if _, err := other.V1WebhookEndpoints.Delete(ctx, we.ID, nil); stripeError(t, err).HTTPStatusCode != 404 {
		t.Fatal("another account deleted the endpoint")
	}
	del, err := k.SC.V1WebhookEndpoints.Delete(ctx, we.ID, nil)
	if err != nil || !del.Deleted || del.ID != we.ID {
		t.Fatalf("%+v %v", del, err)
	}
	if _, err := k.SC.V1WebhookEndpoints.Retrieve(ctx, we.ID, nil); stripeError(t, err).Code != "resource_missing" {
		t.Fatal("deleted endpoint still there")
	}
}

func TestWebhookResendAndDeliveryLog(t *testing.T) {
	k := start(t)
	r := newReceiver(t)
	we := k.createEndpoint(r.URL, "payment_intent.created")
	pi, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(false))
	if err != nil {
		t.Fatal(err)
	}
	events := k.events()
	created := events[0]
	eventually(t, "the first delivery", func() bool { return len(r.acknowledged()) == 1 })
	resend := k.call("POST", "/v1/events/"+created.ID+"/resend", k.Keys.SecretKey, "")
	if resend.Status != 200 || len(resend.Body["data"].([]any)) != 1 {
		t.Fatalf("%d %s", resend.Status, resend.Raw)
	}
	eventually(t, "the resent delivery", func() bool { return len(r.received()) == 2 })
	got := r.received()
	if got[0].EventID != created.ID || got[1].EventID != created.ID {
		t.Fatalf("%+v", got)
	}
	// The receiver has the request before the sender records its outcome.
	var log []map[string]any
	eventually(t, "both outcomes in the delivery log", func() bool {
		log = k.deliveries(we.ID)
		recorded := 0
		for _, d := range log {
			if a, _ := d["attempts"].([]any); len(a) > 0 {
				recorded++
			}
		}
		return recorded == 2
	})
	if len(log) != 2 {
		t.Fatalf("%v", log)
	}
	for _, d := range log {
		a := d["attempts"].([]any)
		if d["event"] != created.ID || len(a) != 1 || a[0].(map[string]any)["status_code"].(float64) != 200 || a[0].(map[string]any)["latency_ms"] == nil {
			t.Fatalf("%v", d)
		}
	}
	if filtered := k.call("GET", "/v1/webhook_endpoints/"+we.ID+"/deliveries?event=evt_nope", k.Keys.SecretKey, ""); len(filtered.Body["data"].([]any)) != 0 {
		t.Fatalf("%s", filtered.Raw)
	}
	// Resending an event nobody subscribes to must name an endpoint.
	var canceled string
	if _, err := k.SC.V1PaymentIntents.Cancel(ctx, pi.ID, nil); err != nil {
		t.Fatal(err)
	}
	for _, e := range k.events() {
		if e.Type == "payment_intent.canceled" {
			canceled = e.ID
		}
	}
	if r := k.call("POST", "/v1/events/"+canceled+"/resend", k.Keys.SecretKey, ""); r.Status != 400 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	if r := k.call("POST", "/v1/events/"+canceled+"/resend", k.Keys.SecretKey, "webhook_endpoint="+we.ID); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	eventually(t, "the explicitly resent event", func() bool { _, ok := r.acknowledged()[canceled]; return ok })
	if r := k.call("POST", "/v1/events/evt_missing/resend", k.Keys.SecretKey, ""); r.Status != 404 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	if r := k.call("GET", "/v1/webhook_endpoints/we_missing/deliveries", k.Keys.SecretKey, ""); r.Status != 404 || r.errorField("code") != "resource_missing" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}

	// Prometheus sees the attempts, once the sender has recorded the last
	// one (the receiver has a request before its outcome is counted): the
	// first delivery and both resends handed over by their writes.
	wants := []string{`kassa_webhook_attempts_total{outcome="succeeded"} 3`, "kassa_webhook_queue_depth 0", "kassa_webhook_delivery_lag_seconds_count 3",
		`kassa_webhook_deliveries_taken_total{from="write"} 3`, `kassa_webhook_deliveries_taken_total{from="outbox"} 0`}
	eventually(t, "the attempts in /metrics", func() bool {
		metrics := k.metrics(t)
		for _, want := range wants {
			if !strings.Contains(metrics, want) {
				return false
			}
		}
		return true
	})
}

// metrics is what /metrics shows now.
func (k *kassa) metrics(t *testing.T) string {
	t.Helper()
	return metricsAt(t, k.URL)
}

// metricsAt is what /metrics at baseURL shows now.
func metricsAt(t *testing.T, baseURL string) string {
	t.Helper()
	_, body := getMetrics(t, baseURL, "")
	return body
}

// getMetrics reads baseURL's /metrics with the Authorization header auth
// (none when empty) and returns the status and the body.
func getMetrics(t *testing.T, baseURL, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", baseURL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
