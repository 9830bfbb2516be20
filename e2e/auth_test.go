package e2e

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v82"
)

func TestAuthentication(t *testing.T) {
	k := start(t)
	tests := []struct {
		name   string
		header string
		status int
	}{
		{"no key", "", 401},
		{"unknown key", "Bearer sk_test_nottherightkeyatall1234", 401},
		{"wrong scheme", "Token " + k.Keys.SecretKey, 401},
		{"bearer", "Bearer " + k.Keys.SecretKey, 200},
		{"basic as curl -u sends it", "Basic " + base64.StdEncoding.EncodeToString([]byte(k.Keys.SecretKey+":")), 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := k.call("GET", "/v1/payment_intents", "", "", "Authorization", tc.header)
			if r.Status != tc.status {
				t.Fatalf("got %d %s", r.Status, r.Raw)
			}
			if tc.status == 401 && (r.errorField("type") != "invalid_request_error" || r.errorField("message") == "") {
				t.Fatalf("error shape: %s", r.Raw)
			}
			if strings.Contains(r.Raw, "nottherightkeyatall1234") {
				t.Fatalf("the error echoes the whole key: %s", r.Raw)
			}
			if !strings.HasPrefix(r.Header.Get("Request-Id"), "req_") {
				t.Fatalf("Request-Id %q", r.Header.Get("Request-Id"))
			}
		})
	}
	_, err := k.client("sk_test_wrong").V1PaymentIntents.Create(ctx, sofortParams())
	if se := stripeError(t, err); se.HTTPStatusCode != 401 {
		t.Fatalf("stripe-go with a wrong key: %+v", se)
	}
}

func TestStripeVersionHeaderWithFlags(t *testing.T) {
	k := start(t)
	r := k.call("GET", "/v1/payment_intents", k.Keys.SecretKey, "", "Stripe-Version", "2025-08-27.basil; vipps_preview=v1")
	if r.Status != 200 || r.Header.Get("Stripe-Version") != "2025-08-27.basil" {
		t.Fatalf("%d %q %s", r.Status, r.Header.Get("Stripe-Version"), r.Raw)
	}
}

// TestAccountIsolation: another account's objects are absent (404), for
// every route that takes an id, and lists never show them.
func TestAccountIsolation(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
	if err != nil {
		t.Fatal(err)
	}
	k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", k.Keys.SecretKey, "")
	pi, _ = k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
	events := k.call("GET", "/v1/events?limit=1", k.Keys.SecretKey, "")
	eventID := events.Body["data"].([]any)[0].(map[string]any)["id"].(string)

	other := k.account("Other Shop")
	for _, route := range []struct{ method, path string }{
		{"GET", "/v1/payment_intents/" + pi.ID},
		{"POST", "/v1/payment_intents/" + pi.ID},
		{"POST", "/v1/payment_intents/" + pi.ID + "/confirm"},
		{"POST", "/v1/payment_intents/" + pi.ID + "/cancel"},
		{"POST", "/v1/payment_intents/" + pi.ID + "/capture"},
		{"POST", "/v1/test_helpers/payment_intents/" + pi.ID + "/fail"},
		{"GET", "/v1/payment_methods/" + pi.PaymentMethod.ID},
		{"GET", "/v1/charges/" + pi.LatestCharge.ID},
		{"GET", "/v1/events/" + eventID},
	} {
		r := k.call(route.method, route.path, other.SecretKey, "")
		if r.Status != http.StatusNotFound || r.errorField("code") != "resource_missing" {
			t.Errorf("%s %s as another account: %d %s", route.method, route.path, r.Status, r.Raw)
		}
	}
	// The other account cannot attach this account's payment method either.
	r := k.call("POST", "/v1/payment_intents", other.SecretKey, "amount=2000&currency=eur&payment_method="+pi.PaymentMethod.ID)
	if r.Status != http.StatusNotFound || r.errorField("param") != "payment_method" {
		t.Errorf("foreign payment method: %d %s", r.Status, r.Raw)
	}
	for _, path := range []string{"/v1/payment_intents", "/v1/charges", "/v1/payment_methods", "/v1/events"} {
		if r := k.call("GET", path, other.SecretKey, ""); len(r.Body["data"].([]any)) != 0 {
			t.Errorf("%s as another account lists: %s", path, r.Raw)
		}
	}
	// Pagination cursors from another account are unknown too.
	if r := k.call("GET", "/v1/payment_intents?starting_after="+pi.ID, other.SecretKey, ""); r.Status != 404 {
		t.Errorf("foreign cursor: %d %s", r.Status, r.Raw)
	}
	// And the owner's intent is untouched.
	after, err := k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
	if err != nil || after.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatalf("%v %+v", err, after)
	}
}
