package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// pageKey is the hosted page's secret from a session's url.
func pageKey(t *testing.T, cs *stripe.CheckoutSession) string {
	t.Helper()
	u, err := url.Parse(cs.URL)
	if err != nil || u.Query().Get("key") == "" {
		t.Fatalf("session url %q", cs.URL)
	}
	return u.Query().Get("key")
}

// payOnPage submits the hosted page's form the way a browser does and
// returns where Kassa sends the customer.
func payOnPage(t *testing.T, k *kassa, cs *stripe.CheckoutSession, method, country string) page {
	t.Helper()
	form := url.Values{"key": {pageKey(t, cs)}, "method": {method}}
	if country != "" {
		form.Set("country", country)
	}
	return newBrowser(t).post(k.URL+"/checkout/pay/"+cs.ID, form)
}

func TestCheckoutSessionsWithStripeGo(t *testing.T) {
	k := start(t)
	// A catalogue price found by its lookup key, beside an inline price.
	product, err := k.SC.V1Products.Create(ctx, &stripe.ProductCreateParams{Name: stripe.String("Espresso beans 1 kg")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = k.SC.V1Prices.Create(ctx, &stripe.PriceCreateParams{
		Product: stripe.String(product.ID), Currency: stripe.String("eur"), UnitAmount: stripe.Int64(2490),
		LookupKey: stripe.String("beans_1kg"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var priceID string
	for p, err := range k.SC.V1Prices.List(ctx, &stripe.PriceListParams{LookupKeys: stripe.StringSlice([]string{"beans_1kg"})}) {
		if err != nil {
			t.Fatal(err)
		}
		priceID = p.ID
	}
	params := &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String("payment"),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{
			{Price: stripe.String(priceID), Quantity: stripe.Int64(2)},
			item("eur", "Grinder", 8900, 1),
			item("eur", "Filter papers", 350, 3),
		},
		PaymentMethodTypes: stripe.StringSlice([]string{"sofort"}),
		SuccessURL:         stripe.String("https://shop.example/thanks?session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:          stripe.String("https://shop.example/cart"),
		CustomerEmail:      stripe.String("anthony@example.com"),
		ClientReferenceID:  stripe.String("cart-7"),
		Locale:             stripe.String("it"),
		Metadata:           map[string]string{"order": "42"},
		PaymentIntentData:  &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: map[string]string{"order": "42", "channel": "web"}},
	}
	cs, err := k.SC.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cs.ID, "cs_") || cs.Object != "checkout.session" || cs.Mode != stripe.CheckoutSessionModePayment ||
		cs.Status != stripe.CheckoutSessionStatusOpen || cs.PaymentStatus != stripe.CheckoutSessionPaymentStatusUnpaid ||
		cs.AmountSubtotal != 2*2490+8900+3*350 || cs.AmountTotal != cs.AmountSubtotal || cs.Currency != "eur" ||
		cs.ExpiresAt != cs.Created+24*60*60 || cs.Created != t0.Unix() || cs.Livemode ||
		cs.CustomerEmail != "anthony@example.com" || cs.ClientReferenceID != "cart-7" || cs.Locale != "it" ||
		cs.Metadata["order"] != "42" || cs.SuccessURL != *params.SuccessURL || cs.CancelURL != "https://shop.example/cart" ||
		len(cs.PaymentMethodTypes) != 1 || cs.PaymentMethodTypes[0] != "sofort" || cs.PaymentIntent == nil {
		t.Fatalf("created session %+v", cs)
	}
	if !strings.HasPrefix(cs.URL, k.URL+"/checkout/pay/"+cs.ID+"?key=") || len(pageKey(t, cs)) < 32 {
		t.Fatalf("url %q", cs.URL)
	}
	if cs.LineItems == nil || len(cs.LineItems.Data) != 3 || cs.LineItems.Data[0].Price.ID != priceID ||
		cs.LineItems.Data[0].Description != "Espresso beans 1 kg" || cs.LineItems.Data[0].AmountTotal != 4980 ||
		cs.LineItems.Data[1].Price.Active || cs.LineItems.Data[1].Price.UnitAmount != 8900 || cs.LineItems.Data[2].Quantity != 3 {
		t.Fatalf("line items %+v", cs.LineItems)
	}

	// The intent is created with the session and carries its amount.
	pi, err := k.SC.V1PaymentIntents.Retrieve(ctx, cs.PaymentIntent.ID, nil)
	if err != nil || pi.Amount != cs.AmountTotal || pi.Currency != "eur" || pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod ||
		pi.Metadata["channel"] != "web" || len(pi.PaymentMethodTypes) != 1 {
		t.Fatalf("intent %v %+v", err, pi)
	}

	// Retrieve, with the intent expanded.
	rp := &stripe.CheckoutSessionRetrieveParams{}
	rp.AddExpand("payment_intent")
	got, err := k.SC.V1CheckoutSessions.Retrieve(ctx, cs.ID, rp)
	if err != nil || got.ID != cs.ID || got.PaymentIntent.Amount != cs.AmountTotal || got.URL != cs.URL {
		t.Fatalf("retrieve %v %+v", err, got)
	}

	// Line items page in their order.
	var items []string
	lp := &stripe.CheckoutSessionListLineItemsParams{Session: stripe.String(cs.ID)}
	lp.Limit = stripe.Int64(2)
	for li, err := range k.SC.V1CheckoutSessions.ListLineItems(ctx, lp) {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, li.Description)
	}
	if strings.Join(items, "|") != "Espresso beans 1 kg|Grinder|Filter papers" {
		t.Fatalf("line items %v", items)
	}

	// Lists are newest first, filterable by intent and status.
	other, err := k.SC.V1CheckoutSessions.Create(ctx, &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String("payment"), LineItems: []*stripe.CheckoutSessionCreateLineItemParams{item("nok", "Lefse", 4900, 1)},
		SuccessURL: stripe.String("https://shop.example/thanks"),
	})
	if err != nil || other.PaymentMethodTypes[0] != "vipps" {
		t.Fatalf("second session %v %+v", err, other)
	}
	listIDs := func(p *stripe.CheckoutSessionListParams) string {
		var ids []string
		for s, err := range k.SC.V1CheckoutSessions.List(ctx, p) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
		}
		return strings.Join(ids, ",")
	}
	if got := listIDs(&stripe.CheckoutSessionListParams{}); got != other.ID+","+cs.ID {
		t.Fatalf("list %s", got)
	}
	if got := listIDs(&stripe.CheckoutSessionListParams{PaymentIntent: stripe.String(cs.PaymentIntent.ID)}); got != cs.ID {
		t.Fatalf("list by intent %s", got)
	}

	// Expire: the session and its intent end together.
	expired, err := k.SC.V1CheckoutSessions.Expire(ctx, cs.ID, nil)
	if err != nil || expired.Status != stripe.CheckoutSessionStatusExpired || expired.URL != "" ||
		expired.PaymentStatus != stripe.CheckoutSessionPaymentStatusUnpaid {
		t.Fatalf("expire %v %+v", err, expired)
	}
	pi, _ = k.SC.V1PaymentIntents.Retrieve(ctx, cs.PaymentIntent.ID, nil)
	if pi.Status != stripe.PaymentIntentStatusCanceled || pi.CancellationReason != "abandoned" {
		t.Fatalf("intent of the expired session: %s %s", pi.Status, pi.CancellationReason)
	}
	if got := listIDs(&stripe.CheckoutSessionListParams{Status: stripe.String("expired")}); got != cs.ID {
		t.Fatalf("list expired %s", got)
	}
	_, err = k.SC.V1CheckoutSessions.Expire(ctx, cs.ID, nil)
	if se := stripeError(t, err); se.HTTPStatusCode != 400 || se.Code != "checkout_session_unexpected_state" {
		t.Fatalf("expiring twice: %+v", se)
	}
	assertEventTypes(t, k, cs.PaymentIntent.ID, "payment_intent.created", "payment_intent.canceled", "checkout.session.expired")

	// Another account sees none of it.
	otherKeys := k.account("Other Shop")
	_, err = k.client(otherKeys.SecretKey).V1CheckoutSessions.Retrieve(ctx, cs.ID, nil)
	if se := stripeError(t, err); se.HTTPStatusCode != 404 || se.Code != "resource_missing" {
		t.Fatalf("another account's session: %+v", se)
	}
}

// TestCheckoutCompletesWithItsIntent pays through the page's form without a
// browser and finishes the attempt with the test helper, as a merchant's CI
// would: the session completes in the same change.
func TestCheckoutCompletesWithItsIntent(t *testing.T) {
	k := start(t)
	cs := checkoutSession(t, k, "https://shop.example", "eur", "", item("eur", "Apfel", 1250, 2))
	p := payOnPage(t, k, cs, "sofort", "AT")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, k.URL+"/sandbox/pay/att_") {
		t.Fatalf("pay: %d %s", p.Status, p.Location)
	}
	r := k.call("POST", "/v1/test_helpers/payment_intents/"+cs.PaymentIntent.ID+"/succeed", k.Keys.SecretKey, "")
	if r.Status != 200 || r.Body["status"] != "succeeded" {
		t.Fatalf("succeed %d %s", r.Status, r.Raw)
	}
	got, err := k.SC.V1CheckoutSessions.Retrieve(ctx, cs.ID, nil)
	if err != nil || got.Status != stripe.CheckoutSessionStatusComplete || got.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid ||
		got.CustomerDetails == nil || got.CustomerDetails.Address.Country != "AT" {
		t.Fatalf("session %v %+v", err, got)
	}
	assertEventTypes(t, k, cs.PaymentIntent.ID, "payment_intent.created", "payment_intent.requires_action",
		"charge.succeeded", "payment_intent.succeeded", "checkout.session.completed")
	// The completed session cannot be expired, and its intent is not the merchant's to cancel.
	if _, err := k.SC.V1CheckoutSessions.Expire(ctx, cs.ID, nil); stripeError(t, err).Code != "checkout_session_unexpected_state" {
		t.Fatalf("expiring a complete session: %v", err)
	}
	// The customer coming back from the bank is sent on to success_url.
	back := newBrowser(t).get(k.URL + "/checkout/return/" + cs.ID + "?key=" + pageKey(t, cs))
	if back.Status != 200 || !strings.Contains(back.Body, `http-equiv="refresh" content="0; url=https://shop.example/success?session_id=`+cs.ID+`"`) {
		t.Fatalf("return: %d %s", back.Status, back.Body)
	}
}

func TestCheckoutIntentIsNotTheMerchantsToDrive(t *testing.T) {
	k := start(t)
	cs := checkoutSession(t, k, "https://shop.example", "nok", "", item("nok", "Lefse", 4900, 1))
	_, err := k.SC.V1PaymentIntents.Cancel(ctx, cs.PaymentIntent.ID, nil)
	if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" || !strings.Contains(se.Msg, cs.ID) {
		t.Fatalf("cancel: %+v", se)
	}
	_, err = k.SC.V1PaymentIntents.Confirm(ctx, cs.PaymentIntent.ID, &stripe.PaymentIntentConfirmParams{
		PaymentMethodData: &stripe.PaymentIntentPaymentMethodDataParams{Type: stripe.String("vipps")},
		ReturnURL:         stripe.String("https://shop.example/r"),
	})
	if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" {
		t.Fatalf("confirm: %+v", se)
	}
	_, err = k.SC.V1PaymentIntents.Update(ctx, cs.PaymentIntent.ID, &stripe.PaymentIntentUpdateParams{Amount: stripe.Int64(1)})
	if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" {
		t.Fatalf("update amount: %+v", se)
	}
	// Descriptive fields remain the merchant's.
	pi, err := k.SC.V1PaymentIntents.Update(ctx, cs.PaymentIntent.ID, &stripe.PaymentIntentUpdateParams{Description: stripe.String("Order 42")})
	if err != nil || pi.Description != "Order 42" || pi.Amount != 4900 {
		t.Fatalf("update description: %v %+v", err, pi)
	}
}

func TestCheckoutSessionExpiresOnTime(t *testing.T) {
	k := start(t)
	p := &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String("payment"), LineItems: []*stripe.CheckoutSessionCreateLineItemParams{item("eur", "Apfel", 100, 1)},
		SuccessURL: stripe.String("https://shop.example/ok"), ExpiresAt: stripe.Int64(t0.Add(45 * time.Minute).Unix()),
	}
	cs, err := k.SC.V1CheckoutSessions.Create(ctx, p)
	if err != nil || cs.ExpiresAt != t0.Add(45*time.Minute).Unix() {
		t.Fatalf("%v %+v", err, cs)
	}
	k.Clock.Advance(45*time.Minute - time.Second)
	time.Sleep(30 * time.Millisecond) // several timer rounds: nothing is due yet
	if got, _ := k.SC.V1CheckoutSessions.Retrieve(ctx, cs.ID, nil); got.Status != stripe.CheckoutSessionStatusOpen {
		t.Fatalf("expired early: %s", got.Status)
	}
	// The page refuses to start a payment a moment before the timer runs.
	k.Clock.Advance(time.Second)
	eventually(t, "the session expires", func() bool {
		got, err := k.SC.V1CheckoutSessions.Retrieve(ctx, cs.ID, nil)
		return err == nil && got.Status == stripe.CheckoutSessionStatusExpired
	})
	if p := payOnPage(t, k, cs, "sofort", "DE"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/checkout/pay/"+cs.ID) {
		t.Fatalf("paying an expired session: %d %s", p.Status, p.Location)
	}
	if p := newBrowser(t).get(cs.URL); p.Status != http.StatusGone || !strings.Contains(p.Body, "This checkout has expired") {
		t.Fatalf("expired page: %d", p.Status)
	}
	assertEventTypes(t, k, cs.PaymentIntent.ID, "payment_intent.created", "payment_intent.canceled", "checkout.session.expired")
}

func TestCheckoutSessionIdempotentCreate(t *testing.T) {
	k := start(t)
	p := func() *stripe.CheckoutSessionCreateParams {
		p := &stripe.CheckoutSessionCreateParams{
			Mode: stripe.String("payment"), LineItems: []*stripe.CheckoutSessionCreateLineItemParams{item("eur", "Apfel", 100, 1)},
			SuccessURL: stripe.String("https://shop.example/ok"),
		}
		p.SetIdempotencyKey("order-42")
		return p
	}
	a, err := k.SC.V1CheckoutSessions.Create(ctx, p())
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.SC.V1CheckoutSessions.Create(ctx, p())
	if err != nil || b.ID != a.ID || b.PaymentIntent.ID != a.PaymentIntent.ID || b.URL != a.URL {
		t.Fatalf("replay %v %s %s", err, a.ID, b.ID)
	}
	n := 0
	for _, err := range k.SC.V1CheckoutSessions.List(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d sessions after a retried create", n)
	}
}

// TestCheckoutEventsReachWebhooks: a shop subscribed to
// checkout.session.completed and .expired gets them, signed, verified by
// stripe-go, with the session inside.
func TestCheckoutEventsReachWebhooks(t *testing.T) {
	k := start(t)
	r := newReceiver(t)
	we := k.createEndpoint(r.URL, "checkout.session.completed", "checkout.session.expired")
	paid := checkoutSession(t, k, "https://shop.example", "eur", "", item("eur", "Apfel", 1250, 2))
	payOnPage(t, k, paid, "sofort", "DE")
	k.call("POST", "/v1/test_helpers/payment_intents/"+paid.PaymentIntent.ID+"/succeed", k.Keys.SecretKey, "")
	abandoned := checkoutSession(t, k, "https://shop.example", "eur", "", item("eur", "Birne", 399, 1))
	if _, err := k.SC.V1CheckoutSessions.Expire(ctx, abandoned.ID, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both session events are delivered", func() bool { return len(r.acknowledged()) == 2 })
	got := map[string]string{}
	for _, req := range r.received() {
		e, err := webhook.ConstructEvent(req.Body, req.Signature, we.Secret)
		if err != nil {
			t.Fatalf("stripe-go rejects %s: %v", req.EventID, err)
		}
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(e.Data.Raw, &cs); err != nil {
			t.Fatal(err)
		}
		got[string(e.Type)] = cs.ID + " " + string(cs.Status) + " " + string(cs.PaymentStatus)
	}
	want := map[string]string{
		"checkout.session.completed": paid.ID + " complete paid",
		"checkout.session.expired":   abandoned.ID + " expired unpaid",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
}
