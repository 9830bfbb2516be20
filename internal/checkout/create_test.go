package checkout

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
)

func product(name string) *Product {
	return &Product{ID: "prod_" + name, AccountID: "acct_1", Name: name, Active: true, Created: t0, Updated: t0}
}

// inline is a line item made from price_data, as the gateway makes it.
func inline(i int, currency money.Currency, unit, quantity int64) ItemInput {
	p := product("item" + strconv.Itoa(i))
	param := "line_items[" + strconv.Itoa(i) + "]"
	return ItemInput{ID: "li_" + strconv.Itoa(i), Product: p, Quantity: quantity, Param: param,
		CurrencyParam: param + "[price_data][currency]",
		Price:         &Price{ID: "price_" + strconv.Itoa(i), AccountID: "acct_1", ProductID: p.ID, Currency: currency, UnitAmount: unit, Inline: true, Created: t0}}
}

func validInput() SessionInput {
	return SessionInput{
		Items:      []ItemInput{inline(0, "eur", 1250, 2), inline(1, "eur", 500, 1)},
		SuccessURL: "https://shop.example/ok?session={CHECKOUT_SESSION_ID}",
		CancelURL:  "https://shop.example/cart",
	}
}

func TestNewSession(t *testing.T) {
	s, err := NewSession("cs_1", "acct_1", "key", validInput(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != StateOpen || s.Currency != "eur" || s.AmountSubtotal != 3000 || s.AmountTotal != 3000 {
		t.Fatalf("%+v", s)
	}
	if s.LineItems[0].AmountTotal != 2500 || s.LineItems[0].Description != "item0" || s.LineItems[1].AmountSubtotal != 500 {
		t.Fatalf("line items %+v", s.LineItems)
	}
	// Without payment_method_types: every method that takes EUR and the total.
	if len(s.PaymentMethodTypes) != 1 || s.PaymentMethodTypes[0] != methods.Sofort {
		t.Fatalf("types %v", s.PaymentMethodTypes)
	}
	if !s.ExpiresAt.Equal(t0.Add(24 * time.Hour)) {
		t.Fatalf("default expiry %v", s.ExpiresAt)
	}
}

func TestNewSessionRefusesBadInput(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*SessionInput)
		code  string
		param string
	}{
		{"no line items", func(in *SessionInput) { in.Items = nil }, "parameter_missing", "line_items"},
		{"101 line items", func(in *SessionInput) {
			for i := range 101 {
				in.Items = append(in.Items, inline(i, "eur", 1, 1))
			}
		}, "parameter_invalid", "line_items"},
		{"zero quantity", func(in *SessionInput) { in.Items[1].Quantity = 0 }, "parameter_invalid_integer", "line_items[1][quantity]"},
		{"negative quantity", func(in *SessionInput) { in.Items[0].Quantity = -3 }, "parameter_invalid_integer", "line_items[0][quantity]"},
		{"two currencies", func(in *SessionInput) { in.Items[1] = inline(1, "gbp", 500, 1) }, "parameter_invalid", "line_items[1][price_data][currency]"},
		{"two currencies, existing price", func(in *SessionInput) {
			in.Items[1] = inline(1, "gbp", 500, 1)
			in.Items[1].CurrencyParam = "line_items[1][price]"
		}, "parameter_invalid", "line_items[1][price]"},
		{"inactive price", func(in *SessionInput) { in.Items[0].Price.Inline = false }, "parameter_invalid", "line_items[0][price]"},
		{"overflowing item", func(in *SessionInput) { in.Items[0] = inline(0, "eur", math.MaxInt64/2+1, 2) }, "amount_too_large", "line_items[0][quantity]"},
		{"overflowing sum", func(in *SessionInput) {
			in.Items = []ItemInput{inline(0, "idr", math.MaxInt64-10, 1), inline(1, "idr", 11, 1)}
		}, "amount_too_large", "line_items[1][quantity]"},
		{"total above sofort's maximum", func(in *SessionInput) { in.Items[0] = inline(0, "eur", 50_000_000, 2) }, "amount_too_large", "line_items"},
		{"currency no method takes", func(in *SessionInput) { in.Items = []ItemInput{inline(0, "usd", 100, 1)} }, "payment_method_currency_mismatch", "line_items[0][price_data][currency]"},
		{"vipps for euros", func(in *SessionInput) { in.PaymentMethodTypes = []methods.Type{methods.Sofort, methods.Vipps} }, "payment_method_currency_mismatch", "payment_method_types[1]"},
		{"unknown method", func(in *SessionInput) { in.PaymentMethodTypes = []methods.Type{"card"} }, "parameter_invalid", "payment_method_types[0]"},
		{"explicit sofort too large", func(in *SessionInput) {
			in.Items[0] = inline(0, "eur", 99_999_999, 1)
			in.PaymentMethodTypes = []methods.Type{methods.Sofort}
		}, "amount_too_large", "line_items"},
		{"no success_url", func(in *SessionInput) { in.SuccessURL = "" }, "parameter_missing", "success_url"},
		{"relative success_url", func(in *SessionInput) { in.SuccessURL = "/ok" }, "url_invalid", "success_url"},
		{"ftp cancel_url", func(in *SessionInput) { in.CancelURL = "ftp://shop.example/" }, "url_invalid", "cancel_url"},
		{"expires in 29 minutes", func(in *SessionInput) { in.ExpiresAt = t0.Add(29 * time.Minute) }, "parameter_invalid", "expires_at"},
		{"expires in 25 hours", func(in *SessionInput) { in.ExpiresAt = t0.Add(25 * time.Hour) }, "parameter_invalid", "expires_at"},
		{"bad email", func(in *SessionInput) { in.CustomerEmail = "anthony at example.com" }, "parameter_invalid", "customer_email"},
		{"long client_reference_id", func(in *SessionInput) { in.ClientReferenceID = strings.Repeat("x", 201) }, "parameter_invalid", "client_reference_id"},
		{"other currency", func(in *SessionInput) { in.Currency = "gbp" }, "parameter_invalid", "currency"},
		{"bad billing_address_collection", func(in *SessionInput) { in.BillingAddressCollection = "sometimes" }, "parameter_invalid", "billing_address_collection"},
		{"unknown locale", func(in *SessionInput) { in.Locale = "klingon" }, "parameter_invalid", "locale"},
		{"long metadata key", func(in *SessionInput) { in.Metadata = map[string]string{strings.Repeat("k", 41): "v"} }, "parameter_invalid", "metadata[" + strings.Repeat("k", 41) + "]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.edit(&in)
			_, err := NewSession("cs_1", "acct_1", "key", in, t0)
			var e *payments.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Param != tt.param || e.Message == "" {
				t.Fatalf("got %#v, want %s on %s", err, tt.code, tt.param)
			}
		})
	}
}

func TestExpiresAtBounds(t *testing.T) {
	now := t0.Add(400 * time.Millisecond) // a client computes from whole seconds
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 24 * time.Hour} {
		in := validInput()
		in.ExpiresAt = t0.Add(d)
		s, err := NewSession("cs_1", "acct_1", "key", in, now)
		if err != nil || !s.ExpiresAt.Equal(t0.Add(d)) {
			t.Errorf("expires_at now+%v: %v", d, err)
		}
	}
}

func TestOfferedMethodsFollowCurrency(t *testing.T) {
	for c, want := range map[money.Currency]methods.Type{"gbp": methods.Sofort, "chf": methods.Sofort, "idr": methods.BankTransferID, "nok": methods.Vipps} {
		in := validInput()
		in.Items = []ItemInput{inline(0, c, 100000, 3)}
		s, err := NewSession("cs_1", "acct_1", "key", in, t0)
		if err != nil || len(s.PaymentMethodTypes) != 1 || s.PaymentMethodTypes[0] != want {
			t.Errorf("%s: %v %v", c, s, err)
		}
	}
	// IDR has no maximum: a large total is fine.
	in := validInput()
	in.Items = []ItemInput{inline(0, "idr", 50_000_000_000, 100)}
	if _, err := NewSession("cs_1", "acct_1", "key", in, t0); err != nil {
		t.Errorf("large IDR total: %v", err)
	}
}

func TestMulAndAddAmountOverflow(t *testing.T) {
	tests := []struct {
		a, b int64
		mul  bool
		add  bool
	}{
		{0, 0, true, true},
		{2000, 3, true, true},
		{math.MaxInt64, 1, true, false},
		{math.MaxInt64 / 2, 2, true, true},
		{math.MaxInt64/2 + 1, 2, false, true},
		{1 << 32, 1 << 30, true, true},
		{1 << 32, 1 << 31, false, true}, // exactly 2^63: one past the maximum
		{1 << 32, 1 << 32, false, true},
		{-1, 5, false, false},
	}
	for _, tt := range tests {
		if p, ok := mulAmount(tt.a, tt.b); ok != tt.mul || (ok && p != tt.a*tt.b) {
			t.Errorf("mul(%d, %d) = %d, %v", tt.a, tt.b, p, ok)
		}
		if s, ok := addAmount(tt.a, tt.b); ok != tt.add || (ok && s != tt.a+tt.b) {
			t.Errorf("add(%d, %d) = %d, %v", tt.a, tt.b, s, ok)
		}
	}
}

func TestProductsAndPrices(t *testing.T) {
	if _, err := NewProduct("prod_1", "acct_1", ProductInput{Name: "  "}, "line_items[0][price_data][product_data]", t0); err == nil ||
		err.(*payments.Error).Param != "line_items[0][price_data][product_data][name]" {
		t.Fatalf("empty name: %v", err)
	}
	inactive := false
	p, err := NewProduct("prod_1", "acct_1", ProductInput{Name: "Apple", Metadata: map[string]string{"sku": "A1"}}, "", t0)
	if err != nil || !p.Active || p.Metadata["sku"] != "A1" {
		t.Fatalf("%+v %v", p, err)
	}
	if err := UpdateProduct(p, ProductUpdate{Active: &inactive, Metadata: map[string]string{"sku": ""}}, t0.Add(time.Hour)); err != nil ||
		p.Active || p.Metadata != nil || !p.Updated.Equal(t0.Add(time.Hour)) {
		t.Fatalf("update %+v %v", p, err)
	}
	price, err := NewPrice("price_1", p, PriceInput{Currency: "eur", UnitAmount: 2000, LookupKey: "apple"}, "", false, t0)
	if err != nil || !price.Active || price.UniqueLookupKey() != "apple" || price.ProductID != "prod_1" {
		t.Fatalf("%+v %v", price, err)
	}
	in, err := NewPrice("price_2", p, PriceInput{Currency: "gbp", UnitAmount: 20000, LookupKey: "test_lookup_key"}, "line_items[0][price_data]", true, t0)
	if err != nil || in.Active || in.UniqueLookupKey() != "" || in.LookupKey != "test_lookup_key" {
		t.Fatalf("inline price %+v %v", in, err)
	}
	if _, err := NewPrice("price_3", p, PriceInput{Currency: "eur", UnitAmount: 0}, "line_items[2][price_data]", true, t0); err == nil ||
		err.(*payments.Error).Param != "line_items[2][price_data][unit_amount]" {
		t.Fatalf("zero unit amount: %v", err)
	}
	key := ""
	if err := UpdatePrice(price, PriceUpdate{Active: &inactive, LookupKey: &key}); err != nil || price.Active || price.UniqueLookupKey() != "" {
		t.Fatalf("update price %+v %v", price, err)
	}
}
