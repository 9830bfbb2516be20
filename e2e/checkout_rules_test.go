package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v82"
)

// TestCheckoutSessionRuleViolations: each refused request gets Stripe's
// error shape with the offending param, and leaves nothing behind.
func TestCheckoutSessionRuleViolations(t *testing.T) {
	k := start(t)
	inactive := k.call("POST", "/v1/prices", k.Keys.SecretKey, "currency=eur&unit_amount=500&product_data[name]=Old&active=false")
	if inactive.Status != 200 {
		t.Fatalf("price: %s", inactive.Raw)
	}
	inactiveID := inactive.Body["id"].(string)
	li := func(i, cur, amount, qty string) string {
		p := "line_items[" + i + "]"
		return "&" + p + "[price_data][currency]=" + cur + "&" + p + "[price_data][unit_amount]=" + amount +
			"&" + p + "[price_data][product_data][name]=Item&" + p + "[quantity]=" + qty
	}
	ok := "mode=payment&success_url=https://shop.example/ok"
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		param  string
	}{
		{"no line items", ok, 400, "parameter_missing", "line_items"},
		{"no success_url", "mode=payment" + li("0", "eur", "100", "1"), 400, "parameter_missing", "success_url"},
		{"relative success_url", "mode=payment&success_url=/ok" + li("0", "eur", "100", "1"), 400, "url_invalid", "success_url"},
		{"two currencies", ok + li("0", "eur", "100", "1") + li("1", "gbp", "100", "1"), 400, "parameter_invalid", "line_items[1][price_data][currency]"},
		{"zero quantity", ok + li("0", "eur", "100", "0"), 400, "parameter_invalid_integer", "line_items[0][quantity]"},
		{"decimal quantity", ok + li("0", "eur", "100", "1.5"), 400, "parameter_invalid_integer", "line_items[0][quantity]"},
		{"missing quantity", ok + "&line_items[0][price_data][currency]=eur&line_items[0][price_data][unit_amount]=100&line_items[0][price_data][product_data][name]=X", 400, "parameter_missing", "line_items[0][quantity]"},
		{"zero unit amount", ok + li("0", "eur", "0", "1"), 400, "amount_too_small", "line_items[0][price_data][unit_amount]"},
		{"negative unit amount", ok + li("0", "eur", "-100", "1"), 400, "amount_too_small", "line_items[0][price_data][unit_amount]"},
		{"decimal unit amount", ok + li("0", "eur", "12.50", "1"), 400, "parameter_invalid_integer", "line_items[0][price_data][unit_amount]"},
		{"unknown currency", ok + li("0", "xyz", "100", "1"), 400, "parameter_invalid", "line_items[0][price_data][currency]"},
		{"currency no method takes", ok + li("0", "usd", "100", "1"), 400, "payment_method_currency_mismatch", "line_items[0][price_data][currency]"},
		{"vipps for euros", ok + li("0", "eur", "100", "1") + "&payment_method_types[0]=vipps", 400, "payment_method_currency_mismatch", "payment_method_types[0]"},
		{"unknown method", ok + li("0", "eur", "100", "1") + "&payment_method_types[0]=card", 400, "parameter_invalid", "payment_method_types[0]"},
		{"above sofort's maximum", ok + li("0", "eur", "50000000", "2"), 400, "amount_too_large", "line_items"},
		{"overflowing total", ok + li("0", "idr", "9223372036854775807", "2"), 400, "amount_too_large", "line_items[0][quantity]"},
		{"overflowing sum", ok + li("0", "idr", "9223372036854775807", "1") + li("1", "idr", "1", "1"), 400, "amount_too_large", "line_items[1][quantity]"},
		{"no product name", ok + "&line_items[0][price_data][currency]=eur&line_items[0][price_data][unit_amount]=100&line_items[0][quantity]=1", 400, "parameter_missing", "line_items[0][price_data][product_data]"},
		{"empty product name", ok + "&line_items[0][price_data][currency]=eur&line_items[0][price_data][unit_amount]=100&line_items[0][price_data][product_data][name]=&line_items[0][quantity]=1", 400, "parameter_missing", "line_items[0][price_data][product_data][name]"},
		{"neither price nor price_data", ok + "&line_items[0][quantity]=1", 400, "parameter_missing", "line_items[0][price]"},
		{"unknown price", ok + "&line_items[0][price]=price_nope&line_items[0][quantity]=1", 404, "resource_missing", "line_items[0][price]"},
		{"inactive price", ok + "&line_items[0][price]=" + inactiveID + "&line_items[0][quantity]=1", 400, "parameter_invalid", "line_items[0][price]"},
		{"recurring price_data", ok + li("0", "eur", "100", "1") + "&line_items[0][price_data][recurring][interval]=month", 400, "parameter_unknown", "line_items[0][price_data][recurring][interval]"},
		{"other billing scheme", ok + li("0", "eur", "100", "1") + "&line_items[0][price_data][billing_scheme]=testscheme", 400, "parameter_invalid", "line_items[0][price_data][billing_scheme]"},
		{"subscription mode", "mode=subscription&success_url=https://shop.example/ok" + li("0", "eur", "100", "1"), 400, "parameter_invalid", "mode"},
		{"expires too soon", ok + li("0", "eur", "100", "1") + "&expires_at=" + itoa64(t0.Unix()+29*60), 400, "parameter_invalid", "expires_at"},
		{"expires too late", ok + li("0", "eur", "100", "1") + "&expires_at=" + itoa64(t0.Unix()+25*3600), 400, "parameter_invalid", "expires_at"},
		{"bad email", ok + li("0", "eur", "100", "1") + "&customer_email=not-an-email", 400, "parameter_invalid", "customer_email"},
		{"unknown locale", ok + li("0", "eur", "100", "1") + "&locale=xx", 400, "parameter_invalid", "locale"},
		{"bad intent metadata", ok + li("0", "eur", "100", "1") + "&payment_intent_data[metadata][" + strings.Repeat("k", 41) + "]=v", 400, "parameter_invalid", "payment_intent_data[metadata][" + strings.Repeat("k", 41) + "]"},
		{"intent metadata not an object", ok + li("0", "eur", "100", "1") + "&payment_intent_data[metadata]=x", 400, "parameter_invalid_object", "payment_intent_data[metadata]"},
		{"product metadata not an object", ok + li("0", "eur", "100", "1") + "&line_items[0][price_data][product_data][metadata]=x", 400, "parameter_invalid_object", "line_items[0][price_data][product_data][metadata]"},
		{"unknown parameter", ok + li("0", "eur", "100", "1") + "&shipping_options[0][shipping_rate]=shr_1", 400, "parameter_unknown", "shipping_options[0][shipping_rate]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := k.call("POST", "/v1/checkout/sessions", k.Keys.SecretKey, tc.body)
			if r.Status != tc.status || r.errorField("type") != "invalid_request_error" ||
				r.errorField("code") != tc.code || r.errorField("param") != tc.param || r.errorField("message") == "" {
				t.Fatalf("got %d %s", r.Status, r.Raw)
			}
		})
	}
	for _, path := range []string{"/v1/checkout/sessions", "/v1/payment_intents", "/v1/products?active=false"} {
		if r := k.call("GET", path, k.Keys.SecretKey, ""); len(r.Body["data"].([]any)) != 0 {
			t.Fatalf("refused requests left objects behind at %s: %s", path, r.Raw)
		}
	}
	if r := k.call("GET", "/v1/prices", k.Keys.SecretKey, ""); len(r.Body["data"].([]any)) != 1 {
		t.Fatalf("refused requests left prices behind: %s", r.Raw)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestCheckoutSeedRequests sends the source documents' session requests as
// JSON: seed 000's (GBP, Sofort) and seed 002's (IDR, bank transfer), with
// the fields WooshPay puts into price_data.
func TestCheckoutSeedRequests(t *testing.T) {
	k := start(t)
	seed000 := `{"cancel_url": "https://shop.example/cancel", "mode": "payment", "success_url": "https://shop.example/success",
		"payment_method_types": ["sofort"],
		"line_items": [{"price_data": {"currency": "GBP", "product": null, "unit_amount": 20000,
			"product_data": {"name": "apple"}, "billing_scheme": "per_unit", "lookup_key": "test_lookup_key"}, "quantity": 1}]}`
	seed002 := `{"cancel_url": "https://shop.example/cancel", "mode": "payment", "success_url": "https://shop.example/success",
		"payment_method_types": ["bank_transfer_id"],
		"line_items": [{"price_data": {"currency": "IDR", "unit_amount": 10000000, "nickname": "apple",
			"product_data": {"name": "pomme"}, "billing_scheme": "per_unit", "lookup_key": "test_lookup_key"}, "quantity": 1}]}`
	for _, tc := range []struct {
		name, body, currency, method, description string
		amount                                    float64
	}{
		{"seed 000", seed000, "gbp", "sofort", "apple", 20000},
		{"seed 002", seed002, "idr", "bank_transfer_id", "pomme", 10000000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := k.call("POST", "/v1/checkout/sessions", k.Keys.SecretKey, tc.body, "Content-Type", "application/json")
			if r.Status != 200 || r.Body["currency"] != tc.currency || r.Body["status"] != "open" || r.Body["payment_status"] != "unpaid" ||
				r.Body["amount_total"] != tc.amount || r.Body["amount_subtotal"] != tc.amount {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
			items := r.Body["line_items"].(map[string]any)["data"].([]any)
			first := items[0].(map[string]any)
			price := first["price"].(map[string]any)
			if first["description"] != tc.description || price["lookup_key"] != "test_lookup_key" || price["active"] != false ||
				price["billing_scheme"] != "per_unit" || price["type"] != "one_time" {
				t.Fatalf("line item %v", first)
			}
			if m := r.Body["payment_method_types"].([]any); len(m) != 1 || m[0] != tc.method {
				t.Fatalf("methods %v", m)
			}
		})
	}
	// Seed 000's billing_scheme "testscheme" is not a scheme Kassa prices have.
	r := k.call("POST", "/v1/checkout/sessions", k.Keys.SecretKey, strings.Replace(seed000, `"per_unit"`, `"testscheme"`, 1), "Content-Type", "application/json")
	if r.Status != 400 || r.errorField("param") != "line_items[0][price_data][billing_scheme]" {
		t.Fatalf("testscheme: %d %s", r.Status, r.Raw)
	}
}

func TestProductsAndPrices(t *testing.T) {
	k := start(t)
	prod, err := k.SC.V1Products.Create(ctx, &stripe.ProductCreateParams{Name: stripe.String("Apple"), Description: stripe.String("Crisp"),
		Metadata: map[string]string{"sku": "A1"}})
	if err != nil || !prod.Active || prod.Name != "Apple" || prod.Metadata["sku"] != "A1" {
		t.Fatalf("%v %+v", err, prod)
	}
	price, err := k.SC.V1Prices.Create(ctx, &stripe.PriceCreateParams{Product: stripe.String(prod.ID), Currency: stripe.String("eur"),
		UnitAmount: stripe.Int64(120), LookupKey: stripe.String("apple")})
	if err != nil || !price.Active || price.UnitAmount != 120 || price.Product.ID != prod.ID || price.LookupKey != "apple" ||
		price.Type != stripe.PriceTypeOneTime || price.BillingScheme != stripe.PriceBillingSchemePerUnit {
		t.Fatalf("%v %+v", err, price)
	}
	// A lookup key belongs to one price; transfer_lookup_key moves it.
	_, err = k.SC.V1Prices.Create(ctx, &stripe.PriceCreateParams{Product: stripe.String(prod.ID), Currency: stripe.String("eur"),
		UnitAmount: stripe.Int64(150), LookupKey: stripe.String("apple")})
	if se := stripeError(t, err); se.HTTPStatusCode != 400 || se.Param != "lookup_key" {
		t.Fatalf("duplicate lookup key: %+v", se)
	}
	newer, err := k.SC.V1Prices.Create(ctx, &stripe.PriceCreateParams{Product: stripe.String(prod.ID), Currency: stripe.String("eur"),
		UnitAmount: stripe.Int64(150), LookupKey: stripe.String("apple"), TransferLookupKey: stripe.Bool(true)})
	if err != nil || newer.LookupKey != "apple" {
		t.Fatalf("transfer: %v %+v", err, newer)
	}
	if old, _ := k.SC.V1Prices.Retrieve(ctx, price.ID, nil); old.LookupKey != "" {
		t.Fatalf("the old price kept its key: %+v", old)
	}
	var found []string
	for p, err := range k.SC.V1Prices.List(ctx, &stripe.PriceListParams{LookupKeys: stripe.StringSlice([]string{"apple"})}) {
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, p.ID)
	}
	if len(found) != 1 || found[0] != newer.ID {
		t.Fatalf("by lookup key: %v", found)
	}
	// Deactivating a price keeps it out of new sessions.
	off, err := k.SC.V1Prices.Update(ctx, newer.ID, &stripe.PriceUpdateParams{Active: stripe.Bool(false), Metadata: map[string]string{"why": "season"}})
	if err != nil || off.Active || off.Metadata["why"] != "season" {
		t.Fatalf("update: %v %+v", err, off)
	}
	_, err = k.SC.V1CheckoutSessions.Create(ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("payment"),
		LineItems:  []*stripe.CheckoutSessionCreateLineItemParams{{Price: stripe.String(newer.ID), Quantity: stripe.Int64(1)}},
		SuccessURL: stripe.String("https://shop.example/ok")})
	if se := stripeError(t, err); se.Param != "line_items[0][price]" {
		t.Fatalf("inactive price in a session: %+v", se)
	}
	// A price with product_data makes its product; products update.
	withProduct, err := k.SC.V1Prices.Create(ctx, &stripe.PriceCreateParams{Currency: stripe.String("nok"), UnitAmount: stripe.Int64(4900),
		ProductData: &stripe.PriceCreateProductDataParams{Name: stripe.String("Lefse")}})
	if err != nil || withProduct.Product.ID == "" || withProduct.Product.ID == prod.ID {
		t.Fatalf("product_data: %v %+v", err, withProduct)
	}
	upd, err := k.SC.V1Products.Update(ctx, prod.ID, &stripe.ProductUpdateParams{Active: stripe.Bool(false), Name: stripe.String("Green apple")})
	if err != nil || upd.Active || upd.Name != "Green apple" {
		t.Fatalf("product update: %v %+v", err, upd)
	}
	n := 0
	for p, err := range k.SC.V1Products.List(ctx, &stripe.ProductListParams{Active: stripe.Bool(true)}) {
		if err != nil || p.ID == prod.ID {
			t.Fatalf("active products: %v %v", p, err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d active products", n)
	}
	// Another account's price is not found.
	other := k.client(k.account("Other").SecretKey)
	if _, err := other.V1Prices.Retrieve(ctx, price.ID, nil); stripeError(t, err).HTTPStatusCode != 404 {
		t.Fatalf("another account's price: %v", err)
	}
	assertEventTypes(t, k, newer.ID, "price.created", "price.updated")
}
