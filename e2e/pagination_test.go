package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
)

func TestPagination(t *testing.T) {
	k := start(t)
	var created []string // oldest first
	for i := range 25 {
		pi, err := k.SC.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(int64(100 + i)), Currency: stripe.String("eur")})
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, pi.ID)
		if i == 9 {
			k.Clock.Advance(time.Hour)
		}
	}
	newest := func(i int) string { return created[len(created)-1-i] }

	// stripe-go's auto-pagination walks every page, newest first.
	var all []string
	for pi, err := range k.SC.V1PaymentIntents.List(ctx, &stripe.PaymentIntentListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(7)}}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pi.ID)
	}
	if len(all) != 25 {
		t.Fatalf("listed %d intents", len(all))
	}
	for i, id := range all {
		if id != newest(i) {
			t.Fatalf("position %d: %s, want %s", i, id, newest(i))
		}
	}

	page := func(query string) (ids []string, hasMore bool) {
		r := k.call("GET", "/v1/payment_intents?"+query, k.Keys.SecretKey, "")
		if r.Status != 200 || r.Body["object"] != "list" || r.Body["url"] != "/v1/payment_intents" {
			t.Fatalf("%s: %d %s", query, r.Status, r.Raw)
		}
		for _, d := range r.Body["data"].([]any) {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		return ids, r.Body["has_more"].(bool)
	}
	ids, more := page("")
	if len(ids) != 10 || !more || ids[0] != newest(0) {
		t.Fatalf("default page: %v %v", ids, more)
	}
	ids, more = page("limit=10&starting_after=" + newest(19))
	if len(ids) != 5 || more || ids[0] != newest(20) || ids[4] != newest(24) {
		t.Fatalf("last page: %v %v", ids, more)
	}
	ids, more = page("limit=3&ending_before=" + newest(5))
	if fmt.Sprint(ids) != fmt.Sprint([]string{newest(2), newest(3), newest(4)}) || !more {
		t.Fatalf("ending_before: %v %v", ids, more)
	}
	// created filters: the first ten were an hour earlier.
	cut := t0.Add(30 * time.Minute).Unix()
	ids, _ = page(fmt.Sprintf("limit=100&created[lt]=%d", cut))
	if len(ids) != 10 || ids[0] != created[9] {
		t.Fatalf("created[lt]: %d %v", len(ids), ids)
	}
	ids, _ = page(fmt.Sprintf("limit=100&created[gte]=%d", cut))
	if len(ids) != 15 {
		t.Fatalf("created[gte]: %d", len(ids))
	}
	ids, _ = page(fmt.Sprintf("limit=100&created=%d", t0.Unix()))
	if len(ids) != 10 {
		t.Fatalf("created exact: %d", len(ids))
	}
	for _, bad := range []string{"limit=0", "limit=101", "limit=x", "starting_after=a&ending_before=b"} {
		if r := k.call("GET", "/v1/payment_intents?"+bad, k.Keys.SecretKey, ""); r.Status != 400 {
			t.Errorf("%s: %d %s", bad, r.Status, r.Raw)
		}
	}
	if r := k.call("GET", "/v1/payment_intents?starting_after=pi_unknown", k.Keys.SecretKey, ""); r.Status != 404 || r.errorField("param") != "starting_after" {
		t.Errorf("unknown cursor: %d %s", r.Status, r.Raw)
	}
}

func TestListChargesAndEventsFilters(t *testing.T) {
	k := start(t)
	var ids []string
	for range 2 {
		pi, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
		if err != nil {
			t.Fatal(err)
		}
		k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", k.Keys.SecretKey, "")
		ids = append(ids, pi.ID)
	}
	n := 0
	for ch, err := range k.SC.V1Charges.List(ctx, &stripe.ChargeListParams{PaymentIntent: stripe.String(ids[0])}) {
		if err != nil || ch.PaymentIntent.ID != ids[0] {
			t.Fatalf("%v %+v", err, ch)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("charges of %s: %d", ids[0], n)
	}
	n = 0
	for e, err := range k.SC.V1Events.List(ctx, &stripe.EventListParams{Type: stripe.String("payment_intent.succeeded")}) {
		if err != nil || e.Type != "payment_intent.succeeded" {
			t.Fatalf("%v %+v", err, e)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("payment_intent.succeeded events: %d", n)
	}
}
