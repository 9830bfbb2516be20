package e2e

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// moneyEventTypes are the event types refunds and disputes emit.
var moneyEventTypes = []string{
	"charge.refunded", "charge.refund.updated", "refund.created", "refund.updated", "refund.failed",
	"charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
	"charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
}

// TestMoneyEventsReachWebhooks: every refund and dispute event type reaches
// a subscribed endpoint, verifies with stripe-go, and is exactly what
// GET /v1/events/{id} shows (a dispute with its balance transactions as
// they were at the event).
func TestMoneyEventsReachWebhooks(t *testing.T) {
	k := start(t, withLedger(t))
	rcv := newReceiver(t)
	ep := k.createEndpoint(rcv.URL, moneyEventTypes...)

	pi, _ := k.paid(t, bankTransfer(32_000_000))
	r, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 8_000_000))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.post("/v1/test_helpers/refunds/"+r.ID+"/fail", nil, &stripe.Refund{}); err != nil {
		t.Fatal(err)
	}
	r, err = k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 8_000_000))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.post("/v1/test_helpers/refunds/"+r.ID+"/succeed", nil, &stripe.Refund{}); err != nil {
		t.Fatal(err)
	}
	d := k.dispute(t, pi.ID, 0)
	if _, err := k.SC.V1Disputes.Update(ctx, d.ID, &stripe.DisputeUpdateParams{
		Evidence: &stripe.DisputeUpdateEvidenceParams{UncategorizedText: stripe.String("Delivered on the 20th.")}}); err != nil {
		t.Fatal(err)
	}
	if err := k.post("/v1/test_helpers/disputes/"+d.ID+"/win", nil, &stripe.Dispute{}); err != nil {
		t.Fatal(err)
	}

	events := k.events()
	wanted := eventIDs(events, func(e *stripe.Event) bool { return contains(moneyEventTypes, string(e.Type)) })
	eventuallyAll(t, rcv, wanted)
	seen := map[string]bool{}
	for _, req := range rcv.received() {
		e, err := webhook.ConstructEvent(req.Body, req.Signature, ep.Secret)
		if err != nil {
			t.Fatalf("stripe-go rejects %s: %v", req.Type, err)
		}
		seen[string(e.Type)] = true
		api := k.call("GET", "/v1/events/"+req.EventID, k.Keys.SecretKey, "").Body
		var sent map[string]any
		json.Unmarshal(req.Body, &sent)
		delete(api, "pending_webhooks")
		delete(sent, "pending_webhooks")
		if !reflect.DeepEqual(api, sent) {
			t.Fatalf("delivered %s differs from GET /v1/events:\n sent %v\n  api %v", req.Type, sent, api)
		}
		if e.Type == "charge.dispute.funds_reinstated" {
			var got stripe.Dispute
			if err := json.Unmarshal(e.Data.Raw, &got); err != nil || len(got.BalanceTransactions) != 2 || got.BalanceTransactions[1].Amount != 1500 { // 240,000.00 IDR ÷ 16000
				t.Fatalf("reinstated dispute %+v %v", got, err)
			}
		}
	}
	for _, typ := range moneyEventTypes {
		if !seen[typ] {
			t.Errorf("no %s delivered", typ)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
