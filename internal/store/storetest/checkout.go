package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"kassa/internal/checkout"
	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/store"
)

func product(accountID, id string, active bool) *checkout.Product {
	return &checkout.Product{ID: id, AccountID: accountID, Name: "Apple " + id, Active: active,
		Metadata: map[string]string{"sku": id}, Created: t0, Updated: t0}
}

func price(accountID, id, productID, currency, lookupKey string, active, inline bool, created time.Time) *checkout.Price {
	return &checkout.Price{ID: id, AccountID: accountID, ProductID: productID, Active: active, Currency: money.Currency(currency),
		UnitAmount: 2000, LookupKey: lookupKey, Inline: inline, Created: created}
}

func joinIDs[T any](items []*T, id func(*T) string) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return fmt.Sprint(out)
}

func priceIDs(items []*checkout.Price) string {
	return joinIDs(items, func(p *checkout.Price) string { return p.ID })
}

func testProductsAndPrices(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	account(t, s, "acct_2")
	prod := product("acct_1", "prod_1", true)
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertProduct(ctx, prod); err != nil {
			return err
		}
		if err := tx.InsertProduct(ctx, product("acct_1", "prod_2", false)); err != nil {
			return err
		}
		for _, p := range []*checkout.Price{
			price("acct_1", "price_1", "prod_1", "eur", "", true, false, t0),
			price("acct_1", "price_2", "prod_1", "eur", "", false, true, t0.Add(time.Second)),
			price("acct_1", "price_3", "prod_2", "gbp", "", true, false, t0.Add(2*time.Second)),
		} {
			if err := tx.InsertPrice(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	prod.Name, prod.Active, prod.Updated = "Green apple", false, t0.Add(time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateProduct(ctx, prod) })
	read(t, s, func(r store.Reader) error {
		got, err := r.Product(ctx, "acct_1", "prod_1")
		if err != nil || !reflect.DeepEqual(got, prod) {
			t.Fatalf("product round trip:\n got %+v\nwant %+v\n%v", got, prod, err)
		}
		if _, err := r.Product(ctx, "acct_2", "prod_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another account's product: %v", err)
		}
		if _, err := r.Price(ctx, "acct_2", "price_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another account's price: %v", err)
		}
		active, inactive := true, false
		products, _, err := r.ListProducts(ctx, "acct_1", store.ListQuery{Limit: 10, Active: &inactive})
		if err != nil || len(products) != 2 {
			t.Fatalf("inactive products: %v %v", products, err)
		}
		for q, want := range map[*store.ListQuery]string{
			{Limit: 10}:                    "[price_3 price_2 price_1]",
			{Limit: 10, Active: &active}:   "[price_3 price_1]",
			{Limit: 10, Active: &inactive}: "[price_2]",
			{Limit: 10, Currency: "gbp"}:   "[price_3]",
			{Limit: 10, Product: "prod_1"}: "[price_2 price_1]",
			{Limit: 1, Product: "prod_1"}:  "[price_2]",
			{Limit: 10, Product: "prod_1", Active: &active, Currency: "eur"}: "[price_1]",
		} {
			prices, _, err := r.ListPrices(ctx, "acct_1", *q)
			if err != nil || priceIDs(prices) != want {
				t.Errorf("prices %+v: %s %v, want %s", *q, priceIDs(prices), err, want)
			}
		}
		if prices, _, _ := r.ListPrices(ctx, "acct_2", store.ListQuery{Limit: 10}); len(prices) != 0 {
			t.Errorf("another account's prices listed: %v", priceIDs(prices))
		}
		return nil
	})
}

func testPriceLookupKeysAreUnique(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	account(t, s, "acct_2")
	write(t, s, func(tx store.Tx) error {
		for _, p := range []*checkout.Price{
			price("acct_1", "price_1", "prod_1", "eur", "standard", true, false, t0),
			// Inline prices claim no key, so WooshPay-style requests that all
			// send the same lookup_key in price_data do not collide.
			price("acct_1", "price_2", "prod_1", "eur", "standard", false, true, t0),
			price("acct_1", "price_3", "prod_1", "eur", "standard", false, true, t0),
			// Keys are per account.
			price("acct_2", "price_4", "prod_9", "eur", "standard", true, false, t0),
			price("acct_1", "price_5", "prod_1", "eur", "premium", true, false, t0),
		} {
			if err := tx.InsertPrice(ctx, p); err != nil {
				return fmt.Errorf("%s: %w", p.ID, err)
			}
		}
		return nil
	})
	err := s.Write(ctx, func(tx store.Tx) error {
		return tx.InsertPrice(ctx, price("acct_1", "price_6", "prod_1", "eur", "standard", true, false, t0))
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second price with the same lookup key: %v", err)
	}
	err = s.Write(ctx, func(tx store.Tx) error {
		return tx.UpdatePrice(ctx, price("acct_1", "price_5", "prod_1", "eur", "standard", true, false, t0))
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taking another price's lookup key: %v", err)
	}
	// Moving the key (Stripe's transfer_lookup_key) in one transaction works.
	write(t, s, func(tx store.Tx) error {
		if err := tx.UpdatePrice(ctx, price("acct_1", "price_1", "prod_1", "eur", "", true, false, t0)); err != nil {
			return err
		}
		return tx.UpdatePrice(ctx, price("acct_1", "price_5", "prod_1", "eur", "standard", true, false, t0))
	})
	read(t, s, func(r store.Reader) error {
		prices, _, err := r.ListPrices(ctx, "acct_1", store.ListQuery{Limit: 10, LookupKeys: []string{"standard", "nope"}})
		if err != nil || priceIDs(prices) != "[price_5]" {
			t.Fatalf("by lookup key: %s %v", priceIDs(prices), err)
		}
		return nil
	})
}

func session(accountID, id, intentID string, created time.Time) *checkout.Session {
	p := product(accountID, "prod_"+id, false)
	pr := price(accountID, "price_"+id, p.ID, "eur", "test_lookup_key", false, true, created)
	return &checkout.Session{
		ID: id, AccountID: accountID, State: checkout.StateOpen, Currency: "eur",
		LineItems: []checkout.LineItem{{ID: "li_" + id, Description: p.Name, Quantity: 2, Currency: "eur",
			AmountSubtotal: 4000, AmountTotal: 4000, Price: *pr, Product: *p}},
		AmountSubtotal: 4000, AmountTotal: 4000, PaymentIntentID: intentID,
		PaymentMethodTypes: []methods.Type{methods.Sofort}, SuccessURL: "https://shop.example/ok?s={CHECKOUT_SESSION_ID}",
		CancelURL: "https://shop.example/cart", CustomerEmail: "anthony@example.com", ClientReferenceID: "cart-7",
		Locale: "de", Metadata: map[string]string{"order": "42"}, ExpiresAt: created.Add(24 * time.Hour),
		PageKey: "key_" + id, URL: "http://kassa.example/checkout/pay/" + id + "?key=key_" + id, Created: created,
	}
}

func sessionIDs(items []*checkout.Session) string {
	return joinIDs(items, func(s *checkout.Session) string { return s.ID })
}

func testCheckoutSessions(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	account(t, s, "acct_2")
	cs := session("acct_1", "cs_1", "pi_1", t0)
	write(t, s, func(tx store.Tx) error {
		for _, x := range []*checkout.Session{cs, session("acct_1", "cs_2", "pi_2", t0.Add(time.Second)), session("acct_2", "cs_3", "pi_3", t0)} {
			if err := tx.InsertCheckoutSession(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	cs.State = checkout.StatePaid
	cs.CustomerDetails = &checkout.CustomerDetails{Email: "anthony@example.com", Country: "DE"}
	write(t, s, func(tx store.Tx) error { return tx.UpdateCheckoutSession(ctx, cs) })
	read(t, s, func(r store.Reader) error {
		got, err := r.CheckoutSession(ctx, "acct_1", "cs_1")
		if err != nil || !reflect.DeepEqual(got, cs) {
			t.Fatalf("round trip:\n got %+v\nwant %+v\n%v", got, cs, err)
		}
		if got, err := r.CheckoutSessionByID(ctx, "cs_3"); err != nil || got.AccountID != "acct_2" {
			t.Fatalf("by id, any account: %+v %v", got, err)
		}
		if _, err := r.CheckoutSession(ctx, "acct_2", "cs_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another account's session: %v", err)
		}
		if _, err := r.CheckoutSessionByID(ctx, "cs_missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing session: %v", err)
		}
		for q, want := range map[*store.ListQuery]string{
			{Limit: 10}:                        "[cs_2 cs_1]",
			{Limit: 10, PaymentIntent: "pi_1"}: "[cs_1]",
			{Limit: 10, Status: "complete"}:    "[cs_1]",
			{Limit: 10, Status: "open"}:        "[cs_2]",
			{Limit: 10, Status: "expired"}:     "[]",
			{Limit: 1}:                         "[cs_2]",
		} {
			items, _, err := r.ListCheckoutSessions(ctx, "acct_1", *q)
			if err != nil || sessionIDs(items) != want {
				t.Errorf("sessions %+v: %s %v, want %s", *q, sessionIDs(items), err, want)
			}
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		if err := tx.UpdateCheckoutSession(ctx, session("acct_2", "cs_1", "pi_1", t0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("updating another account's session: %v", err)
		}
		return nil
	})
	// Events carry session, product and price snapshots.
	write(t, s, func(tx store.Tx) error {
		return tx.InsertEvents(ctx, []*store.Event{
			{ID: "evt_1", AccountID: "acct_1", Type: checkout.EventCompleted, APIVersion: "2025-08-27.basil", Created: t0, Object: cs.Clone()},
			{ID: "evt_2", AccountID: "acct_1", Type: "product.created", APIVersion: "2025-08-27.basil", Created: t0, Object: product("acct_1", "prod_1", true)},
			{ID: "evt_3", AccountID: "acct_1", Type: "price.created", APIVersion: "2025-08-27.basil", Created: t0, Object: price("acct_1", "price_1", "prod_1", "eur", "", true, false, t0)},
		})
	})
	read(t, s, func(r store.Reader) error {
		e, err := r.Event(ctx, "acct_1", "evt_1")
		if err != nil || !reflect.DeepEqual(e.Object, cs) {
			t.Fatalf("session event: %+v %v", e, err)
		}
		if e, _ := r.Event(ctx, "acct_1", "evt_2"); e == nil || e.Object.(*checkout.Product).ID != "prod_1" {
			t.Fatalf("product event: %+v", e)
		}
		if e, _ := r.Event(ctx, "acct_1", "evt_3"); e == nil || e.Object.(*checkout.Price).UnitAmount != 2000 {
			t.Fatalf("price event: %+v", e)
		}
		return nil
	})
}

func testSessionDeadlines(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	write(t, s, func(tx store.Tx) error {
		for i, lifetime := range []time.Duration{2 * time.Hour, 30 * time.Minute, 24 * time.Hour} {
			x := session("acct_1", fmt.Sprintf("cs_%d", i), fmt.Sprintf("pi_%d", i), t0)
			x.ExpiresAt = t0.Add(lifetime)
			if err := tx.InsertCheckoutSession(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(r store.Reader) error {
		due, err := r.OverdueCheckoutSessions(ctx, t0.Add(3*time.Hour), 10)
		want := []store.SessionRef{{AccountID: "acct_1", ID: "cs_1"}, {AccountID: "acct_1", ID: "cs_0"}}
		if err != nil || !reflect.DeepEqual(due, want) {
			t.Fatalf("overdue, earliest first: %v %v", due, err)
		}
		if due, _ := r.OverdueCheckoutSessions(ctx, t0.Add(30*time.Minute-time.Nanosecond), 10); len(due) != 0 {
			t.Fatalf("due before expires_at: %v", due)
		}
		if due, _ := r.OverdueCheckoutSessions(ctx, t0.Add(30*time.Minute), 10); len(due) != 1 {
			t.Fatalf("due exactly at expires_at: %v", due)
		}
		return nil
	})
	// Once a session is no longer open it is never due.
	write(t, s, func(tx store.Tx) error {
		x, err := tx.CheckoutSession(ctx, "acct_1", "cs_1")
		if err != nil {
			return err
		}
		x.State = checkout.StateExpired
		return tx.UpdateCheckoutSession(ctx, x)
	})
	read(t, s, func(r store.Reader) error {
		due, _ := r.OverdueCheckoutSessions(ctx, t0.Add(48*time.Hour), 10)
		if len(due) != 2 || due[0].ID != "cs_0" || due[1].ID != "cs_2" {
			t.Fatalf("overdue after expiring cs_1: %v", due)
		}
		return nil
	})
}
