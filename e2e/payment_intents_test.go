package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v82"
)

var ctx = context.Background()

// sofortParams is the example: 20.00 EUR, confirm, sofort in DE.
func sofortParams() *stripe.PaymentIntentCreateParams {
	return &stripe.PaymentIntentCreateParams{
		Amount:   stripe.Int64(2000),
		Currency: stripe.String("eur"),
		Confirm:  stripe.Bool(true),
		PaymentMethodData: &stripe.PaymentIntentCreatePaymentMethodDataParams{
			Type: stripe.String("sofort"),
			BillingDetails: &stripe.PaymentIntentCreatePaymentMethodDataBillingDetailsParams{
				Address: &stripe.AddressParams{Country: stripe.String("DE")},
			},
		},
		ReturnURL: stripe.String("https://shop.example/return?order=42"),
	}
}

func TestSofortCreateConfirmRequiresAction(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresAction || pi.Amount != 2000 || pi.Currency != "eur" {
		t.Fatalf("got status %s amount %d %s", pi.Status, pi.Amount, pi.Currency)
	}
	if pi.NextAction == nil || pi.NextAction.Type != "redirect_to_url" || pi.NextAction.RedirectToURL == nil {
		t.Fatalf("next_action %+v", pi.NextAction)
	}
	redirect := pi.NextAction.RedirectToURL
	if !strings.HasPrefix(redirect.URL, k.URL+"/sandbox/pay/") || redirect.ReturnURL != "https://shop.example/return?order=42" {
		t.Fatalf("redirect_to_url %+v", redirect)
	}
	if pi.PaymentMethod == nil || !strings.HasPrefix(pi.PaymentMethod.ID, "pm_") || pi.LatestCharge != nil {
		t.Fatalf("payment_method %+v latest_charge %+v", pi.PaymentMethod, pi.LatestCharge)
	}
	if !strings.HasPrefix(pi.ClientSecret, pi.ID+"_secret_") {
		t.Fatalf("client_secret %q", pi.ClientSecret)
	}
	// The method-specific member the source documents show.
	raw := k.call("GET", "/v1/payment_intents/"+pi.ID, k.Keys.SecretKey, "")
	next := raw.Body["next_action"].(map[string]any)
	if next["sofort_handle_redirect"].(map[string]any)["url"] != redirect.URL {
		t.Fatalf("sofort_handle_redirect %v", next)
	}
	// The redirect opens the sandbox bank.
	p := newBrowser(t).get(redirect.URL)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Sandbox Sparkasse") {
		t.Fatalf("sandbox bank page: %d\n%s", p.Status, p.Body)
	}
}

func TestCreateAcceptsJSONBody(t *testing.T) {
	k := start(t)
	// Seed 000's request, as JSON.
	body := `{"amount": 2000, "currency": "EUR", "confirm": true,
		"payment_method_data": {"type": "sofort", "billing_details": {"address": {"country": "DE"}, "firstName": "Anthony", "lastName": "VDK"}},
		"return_url": "https://shop.example/return"}`
	r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, body, "Content-Type", "application/json")
	if r.Status != 200 || r.Body["status"] != "requires_action" || r.Body["currency"] != "eur" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	pm, err := k.SC.V1PaymentMethods.Retrieve(ctx, r.Body["payment_method"].(string), nil)
	if err != nil || pm.BillingDetails.Name != "Anthony VDK" || pm.BillingDetails.Address.Country != "DE" {
		t.Fatalf("payment method %+v %v", pm, err)
	}
}

func TestSucceedHelperCompletesEachMethod(t *testing.T) {
	k := start(t)
	for _, tc := range []struct {
		name   string
		params *stripe.PaymentIntentCreateParams
	}{
		{"sofort", sofortParams()},
		{"bank_transfer_id", &stripe.PaymentIntentCreateParams{
			Amount: stripe.Int64(1000000), Currency: stripe.String("idr"), Confirm: stripe.Bool(true),
			PaymentMethodData: &stripe.PaymentIntentCreatePaymentMethodDataParams{Type: stripe.String("bank_transfer_id")},
			ReturnURL:         stripe.String("https://shop.example/return"),
		}},
		{"vipps", vippsParams(true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pi, err := k.SC.V1PaymentIntents.Create(ctx, tc.params)
			if err != nil || pi.Status != stripe.PaymentIntentStatusRequiresAction {
				t.Fatalf("create: %v %+v", err, pi)
			}
			done := k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", k.Keys.SecretKey, "")
			if done.Status != 200 || done.Body["status"] != "succeeded" {
				t.Fatalf("succeed: %d %s", done.Status, done.Raw)
			}
			pi, err = k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, &stripe.PaymentIntentRetrieveParams{
				Params: stripe.Params{Expand: []*string{stripe.String("latest_charge")}},
			})
			if err != nil {
				t.Fatal(err)
			}
			ch := pi.LatestCharge
			if pi.Status != stripe.PaymentIntentStatusSucceeded || pi.AmountReceived != pi.Amount || pi.NextAction != nil ||
				ch == nil || ch.Status != stripe.ChargeStatusSucceeded || !ch.Captured || !ch.Paid || ch.Amount != pi.Amount ||
				ch.PaymentIntent.ID != pi.ID || string(ch.PaymentMethodDetails.Type) != tc.name {
				t.Fatalf("after succeed: intent %+v charge %+v", pi, ch)
			}
			assertEventTypes(t, k, pi.ID, "payment_intent.created", "payment_intent.requires_action", "charge.succeeded", "payment_intent.succeeded")
		})
	}
}

func vippsParams(confirm bool) *stripe.PaymentIntentCreateParams {
	p := &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(1099),
		Currency:           stripe.String("nok"),
		PaymentMethodTypes: []*string{stripe.String("vipps")},
		PaymentMethodData:  &stripe.PaymentIntentCreatePaymentMethodDataParams{Type: stripe.String("vipps")},
	}
	p.AddExtra("payment_method_options[vipps][reference]", "ORDER_123")
	if confirm {
		p.Confirm = stripe.Bool(true)
		p.ReturnURL = stripe.String("https://shop.example/checkout/complete")
	}
	return p
}

func TestVippsCreateThenConfirm(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(false))
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresConfirmation || pi.NextAction != nil {
		t.Fatalf("create: %s %+v", pi.Status, pi.NextAction)
	}
	raw := k.call("GET", "/v1/payment_intents/"+pi.ID, k.Keys.SecretKey, "")
	if ref := raw.Body["payment_method_options"].(map[string]any)["vipps"].(map[string]any)["reference"]; ref != "ORDER_123" {
		t.Fatalf("reference %v", ref)
	}
	pi, err = k.SC.V1PaymentIntents.Confirm(ctx, pi.ID, &stripe.PaymentIntentConfirmParams{
		ReturnURL: stripe.String("https://shop.example/checkout/complete"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresAction || pi.NextAction.RedirectToURL.ReturnURL != "https://shop.example/checkout/complete" {
		t.Fatalf("confirm: %s %+v", pi.Status, pi.NextAction)
	}
}

func TestFailHelperReturnsToRequiresPaymentMethod(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
	if err != nil {
		t.Fatal(err)
	}
	pmID := pi.PaymentMethod.ID
	if r := k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/fail", k.Keys.SecretKey, ""); r.Status != 200 {
		t.Fatalf("fail: %s", r.Raw)
	}
	pi, err = k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := pi.LastPaymentError
	if pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod || pi.PaymentMethod != nil || e == nil ||
		e.Code != "payment_intent_authentication_failure" || e.PaymentMethod == nil || e.PaymentMethod.ID != pmID ||
		e.PaymentMethod.Type != "sofort" {
		t.Fatalf("after fail: %+v error %+v", pi, e)
	}
	ch, err := k.SC.V1Charges.Retrieve(ctx, pi.LatestCharge.ID, nil)
	if err != nil || ch.Status != stripe.ChargeStatusFailed || ch.Paid || ch.FailureCode != "payment_intent_authentication_failure" {
		t.Fatalf("charge %+v %v", ch, err)
	}
	assertEventTypes(t, k, pi.ID, "payment_intent.created", "payment_intent.requires_action", "charge.failed", "payment_intent.payment_failed")

	// The customer may try again with another method.
	pi, err = k.SC.V1PaymentIntents.Confirm(ctx, pi.ID, &stripe.PaymentIntentConfirmParams{
		PaymentMethodData: &stripe.PaymentIntentPaymentMethodDataParams{
			Type:           stripe.String("sofort"),
			BillingDetails: &stripe.PaymentIntentPaymentMethodDataBillingDetailsParams{Address: &stripe.AddressParams{Country: stripe.String("AT")}},
		},
		ReturnURL: stripe.String("https://shop.example/return"),
	})
	if err != nil || pi.Status != stripe.PaymentIntentStatusRequiresAction || pi.LastPaymentError != nil {
		t.Fatalf("second confirm: %v %+v", err, pi)
	}
}

func TestManualCaptureWithVipps(t *testing.T) {
	k := start(t)
	p := vippsParams(true)
	p.CaptureMethod = stripe.String("manual")
	pi, err := k.SC.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", k.Keys.SecretKey, "")
	pi, _ = k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
	if pi.Status != stripe.PaymentIntentStatusRequiresCapture || pi.AmountCapturable != 1099 || pi.AmountReceived != 0 {
		t.Fatalf("after approval: %+v", pi)
	}
	_, err = k.SC.V1PaymentIntents.Capture(ctx, pi.ID, &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(2000)})
	if se := stripeError(t, err); se.Code != "amount_too_large" || se.Param != "amount_to_capture" {
		t.Fatalf("over-capture: %+v", se)
	}
	pi, err = k.SC.V1PaymentIntents.Capture(ctx, pi.ID, &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(1000)})
	if err != nil || pi.Status != stripe.PaymentIntentStatusSucceeded || pi.AmountReceived != 1000 || pi.AmountCapturable != 0 {
		t.Fatalf("capture: %v %+v", err, pi)
	}
	_, err = k.SC.V1PaymentIntents.Capture(ctx, pi.ID, nil)
	if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" || !strings.Contains(se.Msg, "status of succeeded") {
		t.Fatalf("second capture: %+v", se)
	}
	assertEventTypes(t, k, pi.ID, "payment_intent.created", "payment_intent.requires_action", "charge.succeeded",
		"payment_intent.amount_capturable_updated", "charge.captured", "payment_intent.succeeded")
}

func TestManualCaptureRefusedForSofort(t *testing.T) {
	k := start(t)
	p := sofortParams()
	p.CaptureMethod = stripe.String("manual")
	_, err := k.SC.V1PaymentIntents.Create(ctx, p)
	if se := stripeError(t, err); se.HTTPStatusCode != 400 || se.Param != "capture_method" {
		t.Fatalf("%+v", se)
	}
	assertNoIntents(t, k)
}

func TestCancel(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
	if err != nil {
		t.Fatal(err)
	}
	pi, err = k.SC.V1PaymentIntents.Cancel(ctx, pi.ID, &stripe.PaymentIntentCancelParams{CancellationReason: stripe.String("requested_by_customer")})
	if err != nil || pi.Status != stripe.PaymentIntentStatusCanceled || pi.CancellationReason != "requested_by_customer" || pi.CanceledAt == 0 || pi.NextAction != nil {
		t.Fatalf("cancel: %v %+v", err, pi)
	}
	// The redirect page no longer takes the payment.
	if p := newBrowser(t).get(k.URL + "/sandbox/pay/does-not-matter"); p.Status != http.StatusNotFound {
		t.Fatalf("stale page: %d", p.Status)
	}
	_, err = k.SC.V1PaymentIntents.Confirm(ctx, pi.ID, nil)
	se := stripeError(t, err)
	if se.Code != "payment_intent_unexpected_state" || se.PaymentIntent == nil || se.PaymentIntent.Status != stripe.PaymentIntentStatusCanceled {
		t.Fatalf("confirm after cancel: %+v", se)
	}
	if r := k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", k.Keys.SecretKey, ""); r.errorField("code") != "payment_intent_unexpected_state" {
		t.Fatalf("succeed after cancel: %s", r.Raw)
	}
	assertEventTypes(t, k, pi.ID, "payment_intent.created", "payment_intent.requires_action", "payment_intent.canceled")
}

func TestUpdate(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(500), Currency: stripe.String("eur")})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod || len(pi.PaymentMethodTypes) != 1 || pi.PaymentMethodTypes[0] != "sofort" {
		t.Fatalf("create without method: %+v", pi)
	}
	up := &stripe.PaymentIntentUpdateParams{Amount: stripe.Int64(750), Description: stripe.String("Order 42")}
	up.AddMetadata("order", "42")
	pi, err = k.SC.V1PaymentIntents.Update(ctx, pi.ID, up)
	if err != nil || pi.Amount != 750 || pi.Description != "Order 42" || pi.Metadata["order"] != "42" {
		t.Fatalf("update: %v %+v", err, pi)
	}
	up = &stripe.PaymentIntentUpdateParams{}
	up.AddMetadata("order", "")
	pi, err = k.SC.V1PaymentIntents.Update(ctx, pi.ID, up)
	if err != nil || len(pi.Metadata) != 0 {
		t.Fatalf("unset metadata: %v %+v", err, pi.Metadata)
	}
	_, err = k.SC.V1PaymentIntents.Update(ctx, pi.ID, &stripe.PaymentIntentUpdateParams{Currency: stripe.String("nok")})
	if se := stripeError(t, err); se.Code != "payment_method_currency_mismatch" || se.Param != "currency" {
		t.Fatalf("update to a currency sofort does not take: %+v", se)
	}
}

func TestPublishableKeyRetrieveWithClientSecret(t *testing.T) {
	k := start(t)
	up := sofortParams()
	up.AddMetadata("internal", "secret-note")
	pi, err := k.SC.V1PaymentIntents.Create(ctx, up)
	if err != nil {
		t.Fatal(err)
	}
	pk := k.Keys.PublishableKey
	r := k.call("GET", "/v1/payment_intents/"+pi.ID+"?client_secret="+url.QueryEscape(pi.ClientSecret), pk, "")
	if r.Status != 200 || r.Body["status"] != "requires_action" || r.Body["next_action"] == nil || r.Body["client_secret"] != pi.ClientSecret {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	for _, hidden := range []string{"metadata", "latest_charge", "customer", "payment_method_options", "amount_received"} {
		if _, ok := r.Body[hidden]; ok {
			t.Errorf("a publishable key sees %s", hidden)
		}
	}
	if r := k.call("GET", "/v1/payment_intents/"+pi.ID+"?client_secret=wrong", pk, ""); r.Status != 400 || r.errorField("param") != "client_secret" {
		t.Fatalf("wrong secret: %d %s", r.Status, r.Raw)
	}
	if r := k.call("GET", "/v1/payment_intents/"+pi.ID, pk, ""); r.Status != 400 {
		t.Fatalf("no secret: %d %s", r.Status, r.Raw)
	}
	if r := k.call("GET", "/v1/payment_intents", pk, ""); r.Status != 401 {
		t.Fatalf("publishable key listing: %d %s", r.Status, r.Raw)
	}
	if r := k.call("POST", "/v1/payment_intents", pk, "amount=100&currency=eur"); r.Status != 401 {
		t.Fatalf("publishable key creating: %d %s", r.Status, r.Raw)
	}
}

func TestExpandPaymentMethod(t *testing.T) {
	k := start(t)
	params := sofortParams()
	params.AddExpand("payment_method")
	pi, err := k.SC.V1PaymentIntents.Create(ctx, params)
	if err != nil || pi.PaymentMethod == nil || pi.PaymentMethod.Type != "sofort" || pi.PaymentMethod.BillingDetails.Address.Country != "DE" {
		t.Fatalf("%v %+v", err, pi.PaymentMethod)
	}
	r := k.call("GET", "/v1/payment_intents/"+pi.ID+"?expand[]=customer", k.Keys.SecretKey, "")
	if r.Status != 400 || r.errorField("param") != "expand[0]" {
		t.Fatalf("unknown expansion: %s", r.Raw)
	}
}

// assertEventTypes checks the events recorded for an object, oldest first.
func assertEventTypes(t *testing.T, k *kassa, objectID string, want ...string) {
	t.Helper()
	var got []string
	for e, err := range k.SC.V1Events.List(ctx, &stripe.EventListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		obj := e.Data.Object
		if obj["id"] == objectID || obj["payment_intent"] == objectID {
			got = append([]string{string(e.Type)}, got...)
		}
		if e.APIVersion != "2025-08-27.basil" {
			t.Errorf("event %s has api_version %q", e.ID, e.APIVersion)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events for %s:\n got %v\nwant %v", objectID, got, want)
	}
}

func assertNoIntents(t *testing.T, k *kassa) {
	t.Helper()
	for pi, err := range k.SC.V1PaymentIntents.List(ctx, &stripe.PaymentIntentListParams{}) {
		t.Fatalf("want no intents, found %v %v", pi, err)
	}
}
