package e2e

import (
	"net/http"
	"testing"
)

// TestRuleViolations sends requests outside the method catalogue's rules:
// each fails with Stripe's error shape and the offending param, and
// nothing is created.
func TestRuleViolations(t *testing.T) {
	k := start(t)
	sofort := "&confirm=true&payment_method_data[type]=sofort&return_url=https://shop.example/r"
	de := "&payment_method_data[billing_details][address][country]=DE"
	country := "payment_method_data[billing_details][address][country]"
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		param  string
	}{
		{"sofort in usd", "amount=2000&currency=usd" + sofort + de, 400, "payment_method_currency_mismatch", "currency"},
		{"sofort without country", "amount=2000&currency=eur" + sofort, 400, "parameter_missing", country},
		{"sofort from france", "amount=2000&currency=eur" + sofort + "&payment_method_data[billing_details][address][country]=FR", 400, "payment_method_country_unsupported", country},
		{"sofort nine digits", "amount=100000000&currency=eur" + sofort + de, 400, "amount_too_large", "amount"},
		{"zero amount", "amount=0&currency=eur" + sofort + de, 400, "amount_too_small", "amount"},
		{"negative amount", "amount=-5&currency=eur" + sofort + de, 400, "amount_too_small", "amount"},
		{"decimal amount", "amount=20.00&currency=eur" + sofort + de, 400, "parameter_invalid_integer", "amount"},
		{"text amount", "amount=twenty&currency=eur" + sofort + de, 400, "parameter_invalid_integer", "amount"},
		{"missing amount", "currency=eur" + sofort + de, 400, "parameter_missing", "amount"},
		{"missing currency", "amount=2000" + sofort + de, 400, "parameter_missing", "currency"},
		{"unknown currency", "amount=2000&currency=xyz" + sofort + de, 400, "parameter_invalid", "currency"},
		{"unknown method", "amount=2000&currency=eur&confirm=true&payment_method_data[type]=card&return_url=https://shop.example/r", 400, "parameter_invalid", "payment_method_data[type]"},
		{"unknown method type", "amount=2000&currency=eur&payment_method_types[0]=sofort&payment_method_types[1]=ideal", 400, "parameter_invalid", "payment_method_types[1]"},
		{"bank transfer in eur", "amount=2000&currency=eur&confirm=true&payment_method_data[type]=bank_transfer_id&return_url=https://shop.example/r", 400, "payment_method_currency_mismatch", "currency"},
		{"bank transfer outside indonesia", "amount=2000&currency=idr&confirm=true&payment_method_data[type]=bank_transfer_id&payment_method_data[billing_details][address][country]=SG&return_url=https://shop.example/r", 400, "payment_method_country_unsupported", country},
		{"vipps in eur", "amount=2000&currency=eur&payment_method_types[0]=vipps", 400, "payment_method_currency_mismatch", "currency"},
		{"vipps too large", "amount=100000000&currency=nok&payment_method_types[0]=vipps", 400, "amount_too_large", "amount"},
		{"vipps reference too long", "amount=1000&currency=nok&payment_method_types[0]=vipps&payment_method_options[vipps][reference]=" + string(make([]byte, 0)) + "ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJX", 400, "parameter_invalid", "payment_method_options[vipps][reference]"},
		{"confirm without return_url", "amount=2000&currency=eur&confirm=true&payment_method_data[type]=sofort" + de, 400, "parameter_missing", "return_url"},
		{"relative return_url", "amount=2000&currency=eur&confirm=true&payment_method_data[type]=sofort&return_url=/r" + de, 400, "url_invalid", "return_url"},
		{"unknown parameter", "amount=2000&currency=eur&customer=cus_1", 400, "parameter_unknown", "customer"},
		{"unknown nested parameter", "amount=2000&currency=eur" + sofort + de + "&payment_method_data[billing_details][shoe_size]=44", 400, "parameter_unknown", "payment_method_data[billing_details][shoe_size]"},
		{"payment method metadata not an object", "amount=2000&currency=eur" + sofort + de + "&payment_method_data[metadata]=x", 400, "parameter_invalid_object", "payment_method_data[metadata]"},
		{"malformed brackets", "amount=2000&currency=eur&metadata[a=1", 400, "", "metadata[a"},
		{"manual capture sofort", "amount=2000&currency=eur&capture_method=manual" + sofort + de, 400, "parameter_invalid", "capture_method"},
		{"bad capture method", "amount=2000&currency=eur&capture_method=later", 400, "parameter_invalid", "capture_method"},
		{"payment method of nobody", "amount=2000&currency=eur&payment_method=pm_doesnotexist", 404, "resource_missing", "payment_method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, tc.body)
			if r.Status != tc.status || r.errorField("type") != "invalid_request_error" ||
				r.errorField("code") != tc.code || r.errorField("param") != tc.param || r.errorField("message") == "" {
				t.Fatalf("got %d %s", r.Status, r.Raw)
			}
		})
	}
	assertNoIntents(t, k)
	if r := k.call("GET", "/v1/payment_methods", k.Keys.SecretKey, ""); len(r.Body["data"].([]any)) != 0 {
		t.Fatalf("rejected requests left payment methods behind: %s", r.Raw)
	}
	if r := k.call("GET", "/v1/events", k.Keys.SecretKey, ""); len(r.Body["data"].([]any)) != 0 {
		t.Fatalf("rejected requests left events behind: %s", r.Raw)
	}
}

func TestMalformedJSONBody(t *testing.T) {
	k := start(t)
	r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, `{"amount": 2000,`, "Content-Type", "application/json")
	if r.Status != http.StatusBadRequest || r.errorField("type") != "invalid_request_error" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	r = k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, `{"amount": 20.5, "currency": "eur"}`, "Content-Type", "application/json")
	if r.Status != http.StatusBadRequest || r.errorField("code") != "parameter_invalid_integer" || r.errorField("param") != "amount" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	assertNoIntents(t, k)
}

func TestUnknownRoute(t *testing.T) {
	k := start(t)
	r := k.call("GET", "/v1/subscriptions", k.Keys.SecretKey, "")
	if r.Status != 404 || r.errorField("type") != "invalid_request_error" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
}
