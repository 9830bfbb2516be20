package e2e

import (
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
)

// waitStatus waits for the timer loop to move an intent to status.
func waitStatus(t *testing.T, k *kassa, id string, status stripe.PaymentIntentStatus) *stripe.PaymentIntent {
	t.Helper()
	var pi *stripe.PaymentIntent
	eventually(t, "intent "+id+" is "+string(status), func() bool {
		var err error
		pi, err = k.SC.V1PaymentIntents.Retrieve(ctx, id, nil)
		return err == nil && pi.Status == status
	})
	return pi
}

func TestVippsRedirectNotOpenedWithinFiveMinutes(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(true))
	if err != nil {
		t.Fatal(err)
	}
	k.Clock.Advance(5*time.Minute - time.Second)
	time.Sleep(30 * time.Millisecond) // several timer rounds: nothing is due yet
	if pi, _ := k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, nil); pi.Status != stripe.PaymentIntentStatusRequiresAction {
		t.Fatalf("expired early: %s", pi.Status)
	}
	k.Clock.Advance(time.Second)
	pi = waitStatus(t, k, pi.ID, stripe.PaymentIntentStatusRequiresPaymentMethod)
	if pi.LastPaymentError == nil || pi.LastPaymentError.Code != "payment_intent_payment_attempt_expired" {
		t.Fatalf("last_payment_error %+v", pi.LastPaymentError)
	}
	assertEventTypes(t, k, pi.ID, "payment_intent.created", "payment_intent.requires_action", "charge.failed", "payment_intent.payment_failed")
}

func TestVippsOpenedButNotApprovedWithinFiveMinutes(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(true))
	if err != nil {
		t.Fatal(err)
	}
	k.Clock.Advance(4 * time.Minute)
	if p := newBrowser(t).get(pi.NextAction.RedirectToURL.URL); p.Status != 200 {
		t.Fatalf("opening the redirect: %d", p.Status)
	}
	// The open window has passed, but opening started the approval window.
	k.Clock.Advance(4 * time.Minute)
	time.Sleep(30 * time.Millisecond)
	if pi, _ := k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, nil); pi.Status != stripe.PaymentIntentStatusRequiresAction {
		t.Fatalf("expired during the approval window: %s", pi.Status)
	}
	k.Clock.Advance(time.Minute)
	pi = waitStatus(t, k, pi.ID, stripe.PaymentIntentStatusRequiresPaymentMethod)
	if pi.LastPaymentError.Code != "payment_intent_payment_attempt_expired" {
		t.Fatalf("%+v", pi.LastPaymentError)
	}
}

func TestVirtualAccountExpires(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(1000000), Currency: stripe.String("idr"), Confirm: stripe.Bool(true),
		PaymentMethodData: &stripe.PaymentIntentCreatePaymentMethodDataParams{Type: stripe.String("bank_transfer_id")},
		ReturnURL:         stripe.String("https://shop.example/return"),
	})
	if err != nil {
		t.Fatal(err)
	}
	k.Clock.Advance(23 * time.Hour)
	time.Sleep(30 * time.Millisecond)
	if pi, _ := k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, nil); pi.Status != stripe.PaymentIntentStatusRequiresAction {
		t.Fatalf("expired early: %s", pi.Status)
	}
	k.Clock.Advance(time.Hour)
	pi = waitStatus(t, k, pi.ID, stripe.PaymentIntentStatusRequiresPaymentMethod)
	if pi.LastPaymentError.Code != "payment_intent_payment_attempt_expired" {
		t.Fatalf("%+v", pi.LastPaymentError)
	}
}

func TestExpireHelperDoesWhatTheTimerDoes(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(true))
	if err != nil {
		t.Fatal(err)
	}
	r := k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/expire", k.Keys.SecretKey, "")
	if r.Status != 200 || r.Body["status"] != "requires_payment_method" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	code := r.Body["last_payment_error"].(map[string]any)["code"]
	if code != "payment_intent_payment_attempt_expired" {
		t.Fatalf("code %v", code)
	}
	// A helper arriving after the deadline finds the attempt expired, as a page would.
	pi, err = k.SC.V1PaymentIntents.Confirm(ctx, pi.ID, &stripe.PaymentIntentConfirmParams{
		PaymentMethodData: &stripe.PaymentIntentPaymentMethodDataParams{Type: stripe.String("vipps")},
		ReturnURL:         stripe.String("https://shop.example/r"),
	})
	if err != nil {
		t.Fatal(err)
	}
	k.Clock.Advance(10 * time.Minute)
	r = k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", k.Keys.SecretKey, "")
	// The helper expires the attempt itself, unless the timer loop (every
	// few milliseconds) got there first; then the helper finds nothing to
	// approve. Either way the approval is refused and the attempt expired.
	after := r.Body
	if r.Status != 200 {
		if r.errorField("code") != "payment_intent_unexpected_state" {
			t.Fatalf("late approval: %s", r.Raw)
		}
		after = r.Body["error"].(map[string]any)["payment_intent"].(map[string]any)
	}
	if after["status"] != "requires_payment_method" ||
		after["last_payment_error"].(map[string]any)["code"] != "payment_intent_payment_attempt_expired" {
		t.Fatalf("late approval: %s", r.Raw)
	}
}
