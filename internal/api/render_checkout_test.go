package api

import (
	"testing"
	"time"

	"kassa/internal/checkout"
	"kassa/internal/methods"
	"kassa/internal/store"
)

// seedSession is seed 000's session as Kassa keeps it.
func seedSession() *checkout.Session {
	product := checkout.Product{ID: "prod_123", AccountID: "acct_1", Name: "apple", Created: created, Updated: created}
	price := checkout.Price{ID: "price_123", AccountID: "acct_1", ProductID: "prod_123", Currency: "gbp", UnitAmount: 20000,
		LookupKey: "test_lookup_key", Inline: true, Created: created}
	return &checkout.Session{
		ID: "cs_123", AccountID: "acct_1", State: checkout.StateOpen, Currency: "gbp",
		LineItems: []checkout.LineItem{{ID: "li_123", Description: "apple", Quantity: 1, Currency: "gbp",
			AmountSubtotal: 20000, AmountTotal: 20000, Price: price, Product: product}},
		AmountSubtotal: 20000, AmountTotal: 20000, PaymentIntentID: "pi_123",
		PaymentMethodTypes: []methods.Type{methods.Sofort}, SuccessURL: "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}",
		CancelURL: "https://shop.example/cancel", BillingAddressCollection: "auto", ExpiresAt: created.Add(24 * time.Hour),
		PageKey: "key", URL: "http://127.0.0.1:8080/checkout/pay/cs_123?key=key", Created: created,
	}
}

func TestGoldenCheckoutSession(t *testing.T) {
	golden(t, "checkout_session_open.json", renderSession(seedSession(), false))
}

func TestGoldenSessionCompletedEvent(t *testing.T) {
	s := seedSession()
	s.State = checkout.StatePaid
	s.CustomerDetails = &checkout.CustomerDetails{Email: "anthony@example.com", Country: "DE"}
	e := &store.Event{ID: "evt_456", AccountID: "acct_1", Type: checkout.EventCompleted, APIVersion: "2025-08-27.basil",
		Created: created, Object: s}
	golden(t, "event_checkout_session_completed.json", renderEvent(e))
}

func TestLineItemsExpandProduct(t *testing.T) {
	li := renderLineItem(seedSession().LineItems[0], true)
	product, ok := li["price"].(map[string]any)["product"].(map[string]any)
	if !ok || product["id"] != "prod_123" || product["object"] != "product" || product["name"] != "apple" {
		t.Fatalf("expanded product %v", li["price"])
	}
	if id := renderLineItem(seedSession().LineItems[0], false)["price"].(map[string]any)["product"]; id != "prod_123" {
		t.Fatalf("product %v", id)
	}
}

func TestPageLineItems(t *testing.T) {
	items := make([]checkout.LineItem, 5)
	for i := range items {
		items[i].ID = "li_" + itoa(i)
	}
	ids := func(page []checkout.LineItem) string {
		s := ""
		for _, li := range page {
			s += li.ID + " "
		}
		return s
	}
	tests := []struct {
		q    store.ListQuery
		want string
		more bool
	}{
		{store.ListQuery{Limit: 2}, "li_0 li_1 ", true},
		{store.ListQuery{Limit: 10}, "li_0 li_1 li_2 li_3 li_4 ", false},
		{store.ListQuery{Limit: 2, StartingAfter: "li_1"}, "li_2 li_3 ", true},
		{store.ListQuery{Limit: 2, StartingAfter: "li_3"}, "li_4 ", false},
		{store.ListQuery{Limit: 2, EndingBefore: "li_3"}, "li_1 li_2 ", true},
		{store.ListQuery{Limit: 5, EndingBefore: "li_2"}, "li_0 li_1 ", false},
	}
	for _, tt := range tests {
		page, more, err := pageLineItems(items, tt.q)
		if err != nil || ids(page) != tt.want || more != tt.more {
			t.Errorf("%+v: %q %v %v", tt.q, ids(page), more, err)
		}
	}
	if _, _, err := pageLineItems(items, store.ListQuery{Limit: 2, StartingAfter: "li_9"}); err == nil {
		t.Error("an unknown cursor was accepted")
	}
}
