package shopwareapp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/shopware"
	"kassa/internal/store"
)

// order is what a test shop sells: the method chosen at checkout, the
// amount as Shopware writes the float, currency and billing country.
type order struct {
	transactionID, number string
	method                string
	total                 string // JSON number text, e.g. "395.01"
	currency, country     string
}

func (s *fakeShop) returnURL(o order) string {
	return s.url + "/payment/finalize-transaction?_sw_payment_token=eyJ0eXAiOiJKV1Qi." + o.transactionID
}

// payBody builds a pay (or finalize) call the way Shopware serializes
// it: the shape of the SDKs' payment fixture, float amounts, "\/".
func (s *fakeShop) payBody(o order, returnURL any, requestData map[string]any) []byte {
	total := json.Number(o.total)
	price := map[string]any{
		"unitPrice": total, "quantity": 1, "totalPrice": total,
		"calculatedTaxes": []any{map[string]any{"tax": 0, "taxRate": 0, "price": total, "apiAlias": "cart_tax_calculated"}},
		"taxRules":        []any{map[string]any{"taxRate": 0, "percentage": 100, "apiAlias": "cart_tax_rule"}},
		"referencePrice":  nil, "listPrice": nil, "regulationPrice": nil, "apiAlias": "calculated_price",
	}
	// An empty PHP array is written [] (PHP cannot tell it is an object).
	var data any = []any{}
	if len(requestData) > 0 {
		data = requestData
	}
	return phpJSON(s.e.t, map[string]any{
		"source": map[string]any{"url": s.url, "shopId": s.id, "appVersion": "1.0.0"},
		"order": map[string]any{
			"id": "order-" + o.transactionID, "orderNumber": o.number, "amountTotal": total,
			"price": map[string]any{"netPrice": total, "totalPrice": total, "positionPrice": total, "taxStatus": "gross", "rawTotal": total},
			"currency": map[string]any{
				"isoCode": o.currency, "factor": 1, "symbol": "€", "shortName": o.currency,
				"totalRounding": map[string]any{"decimals": 2, "interval": json.Number("0.01"), "roundForNet": true},
			},
			"orderCustomer":  map[string]any{"email": "test@example.com", "firstName": "Max", "lastName": "Mustermann", "customerNumber": "1337"},
			"billingAddress": map[string]any{"street": "Ebbinghoff 10", "city": "Schöppingen", "country": map[string]any{"iso": o.country, "iso3": "DEU"}},
		},
		"orderTransaction": map[string]any{
			"id": o.transactionID, "orderId": "order-" + o.transactionID, "amount": price,
			"paymentMethod": map[string]any{
				"handlerIdentifier": `app\` + shopware.AppName(s.e.account) + "_" + o.method,
				"appPaymentMethod": map[string]any{
					"appName": shopware.AppName(s.e.account), "identifier": o.method,
					"payUrl": s.e.url("/pay"), "finalizeUrl": s.e.url("/finalize"),
				},
				"asynchronous": true,
			},
			"stateMachineState": map[string]any{"technicalName": "open"},
		},
		"returnUrl":   returnURL,
		"requestData": data,
		"recurring":   nil,
	})
}

func (s *fakeShop) pay(o order) paymentAnswer {
	s.e.t.Helper()
	res := s.post("/pay", s.payBody(o, s.returnURL(o), nil))
	if res.status != http.StatusOK {
		s.e.t.Fatalf("pay: %d %s", res.status, res.body)
	}
	return decodeAnswer(s.e.t, res)
}

// finalize sends what Shopware sends when the customer is back: the
// return query minus _sw_payment_token as requestData, returnUrl null.
func (s *fakeShop) finalize(o order, returned string) paymentAnswer {
	s.e.t.Helper()
	data := map[string]any{}
	if returned != "" {
		u, err := url.Parse(returned)
		if err != nil {
			s.e.t.Fatal(err)
		}
		for k, v := range u.Query() {
			if k != "_sw_payment_token" {
				data[k] = v[0]
			}
		}
	}
	res := s.post("/finalize", s.payBody(o, nil, data))
	if res.status != http.StatusOK {
		s.e.t.Fatalf("finalize: %d %s", res.status, res.body)
	}
	return decodeAnswer(s.e.t, res)
}

func decodeAnswer(t *testing.T, res response) paymentAnswer {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(res.body, &raw); err != nil {
		t.Fatalf("answer %s: %v", res.body, err)
	}
	for k := range raw {
		if k != "status" && k != "message" && k != "redirectUrl" {
			t.Errorf("answer has unexpected key %q: %s", k, res.body)
		}
	}
	var a paymentAnswer
	json.Unmarshal(res.body, &a)
	return a
}

func sofortOrder(id string) order {
	return order{transactionID: id, number: "10077", method: "sofort", total: "395.01", currency: "EUR", country: "DE"}
}

// intents lists the account's PaymentIntents.
func (e *env) intents() []*payments.PaymentIntent {
	e.t.Helper()
	var out []*payments.PaymentIntent
	err := e.st.Read(context.Background(), func(r store.Reader) error {
		var err error
		out, _, err = r.ListIntents(context.Background(), e.account, store.ListQuery{Limit: 100})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// sofortToTAN walks the customer from the redirect to the TAN page.
func sofortToTAN(c *customer, redirect string) page {
	c.t.Helper()
	start := c.get(redirect)
	if start.status != http.StatusOK {
		c.t.Fatalf("sandbox page: %d %s", start.status, start.body)
	}
	login := c.submit(start, "/sofort/bank", url.Values{"bank": {"sandbox_volksbank"}})
	return c.submit(login, "/sofort/login", url.Values{"user": {"DE-4711"}, "pin": {"1234"}})
}

func TestJourneyPaid(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopP")
	s.install()
	o := sofortOrder("0190aa11bb22cc33dd44ee55ff667788")

	ans := s.pay(o)
	if ans.Status != "" || ans.Message != "" || !strings.HasPrefix(ans.RedirectURL, e.srv.URL+sandbox.PathPrefix) {
		t.Fatalf("pay answered %+v; want only a sandbox redirectUrl", ans)
	}
	list := e.intents()
	if len(list) != 1 {
		t.Fatalf("%d intents; want 1", len(list))
	}
	pi := list[0]
	if pi.Amount != 39501 || pi.Currency != "eur" || pi.Description != "Order 10077" ||
		pi.Metadata["shopware_order_transaction_id"] != o.transactionID || pi.Metadata["shopware_shop_id"] != s.id {
		t.Errorf("intent %+v", pi)
	}
	// A repeated pay (Shopware retrying) starts nothing new.
	if again := s.pay(o); again.RedirectURL != ans.RedirectURL {
		t.Errorf("repeated pay answered %+v; want the same redirect", again)
	}
	if n := len(e.intents()); n != 1 {
		t.Errorf("%d intents after a repeated pay; want 1", n)
	}

	c := newCustomer(t)
	done := c.submit(sofortToTAN(c, ans.RedirectURL), "/sofort/tan", url.Values{"tan": {sandbox.CorrectTAN}})
	if done.status != http.StatusSeeOther || !strings.HasPrefix(done.location, s.returnURL(o)) {
		t.Fatalf("after the TAN: %d to %q; want back to Shopware's returnUrl", done.status, done.location)
	}
	if got := s.finalize(o, done.location); got != (paymentAnswer{Status: "paid"}) {
		t.Fatalf("finalize answered %+v; want paid", got)
	}
	// The finalize token is single-use in Shopware, but a retried request
	// must get the same answer and change nothing.
	before := e.intents()[0]
	if got := s.finalize(o, done.location); got != (paymentAnswer{Status: "paid"}) {
		t.Errorf("repeated finalize answered %+v", got)
	}
	if after := e.intents()[0]; after.Status != payments.Succeeded || after.AmountReceived != before.AmountReceived {
		t.Errorf("intent after a repeated finalize: %+v", after)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "call=finalize") || !strings.Contains(logs, "order_transaction="+o.transactionID) {
		t.Errorf("finalize was not logged with its order transaction:\n%s", logs)
	}
}

func TestJourneyFailedAndCancelled(t *testing.T) {
	tests := []struct {
		name string
		walk func(c *customer, redirect string) page
		want paymentAnswer
	}{
		{"wrong TAN", func(c *customer, redirect string) page {
			return c.submit(sofortToTAN(c, redirect), "/sofort/tan", url.Values{"tan": {"999999"}})
		}, paymentAnswer{Status: "fail", Message: "The TAN was wrong."}},
		{"customer cancels on the bank page", func(c *customer, redirect string) page {
			return c.submit(c.get(redirect), "/cancel", nil)
		}, paymentAnswer{Status: "cancel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.newShop("shopQ")
			s.install()
			o := sofortOrder("tx-" + strings.ReplaceAll(tt.name, " ", "-"))
			ans := s.pay(o)
			done := tt.walk(newCustomer(t), ans.RedirectURL)
			if done.status != http.StatusSeeOther || !strings.HasPrefix(done.location, s.returnURL(o)) {
				t.Fatalf("%d to %q; want back to the shop", done.status, done.location)
			}
			if got := s.finalize(o, done.location); got != tt.want {
				t.Errorf("finalize answered %+v; want %+v", got, tt.want)
			}
			if got := s.finalize(o, done.location); got != tt.want {
				t.Errorf("repeated finalize answered %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestFinalizeWithoutFinishingCancelsTheIntent(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopR")
	s.install()
	o := sofortOrder("tx-back-button")
	s.pay(o)
	// The customer pressed back in the browser: Shopware finalizes with no query.
	if got := s.finalize(o, ""); got != (paymentAnswer{Status: "cancel"}) {
		t.Fatalf("finalize answered %+v; want cancel", got)
	}
	if pi := e.intents()[0]; pi.Status != payments.Canceled {
		t.Errorf("intent is %s; want canceled so it cannot still succeed", pi.Status)
	}
}

func TestBankTransferAwaitingTheTransferIsInProgress(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopS")
	s.install()
	o := order{transactionID: "tx-idr", number: "10078", method: "bank_transfer_id", total: "150000", currency: "IDR", country: "ID"}
	ans := s.pay(o)
	c := newCustomer(t)
	chosen := c.submit(c.get(ans.RedirectURL), "/transfer/bank", url.Values{"bank": {"bca"}})
	if chosen.status != http.StatusSeeOther {
		t.Fatalf("choosing the bank: %d", chosen.status)
	}
	if got := s.finalize(o, ""); got != (paymentAnswer{Status: "process"}) {
		t.Fatalf("finalize answered %+v; want process", got)
	}
	if pi := e.intents()[0]; pi.Amount != 15000000 || pi.Status != payments.RequiresAction {
		t.Errorf("intent %d %s; want 15000000 IDR minor units, still awaiting the transfer", pi.Amount, pi.Status)
	}
}

func TestPayRefusesWhatKassaCannotCharge(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopT")
	s.install()
	tests := []struct {
		name string
		o    order
		says string
	}{
		{"fraction of a cent", order{"tx1", "1", "sofort", "12.345", "EUR", "DE"}, "cannot be charged exactly"},
		{"currency the method does not take", order{"tx2", "2", "sofort", "12.30", "NOK", "DE"}, "currency nok"},
		{"country the method does not serve", order{"tx3", "3", "sofort", "12.30", "EUR", "US"}, "customers in us"},
		{"method Kassa does not have", order{"tx4", "4", "paypal", "12.30", "EUR", "DE"}, "paypal"},
	}
	for _, tt := range tests {
		ans := s.pay(tt.o)
		if ans.Status != "fail" || !strings.Contains(strings.ToLower(ans.Message), tt.says) || ans.RedirectURL != "" {
			t.Errorf("%s: answered %+v; want fail mentioning %q", tt.name, ans, tt.says)
		}
	}
	if n := len(e.intents()); n != 0 {
		t.Errorf("%d intents were created for refused payments", n)
	}
}

func TestPaymentCallsRefuseBadRequests(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopU")
	s.install()
	o := sofortOrder("tx-refused")
	body := s.payBody(o, s.returnURL(o), nil)
	stranger := e.newShop("shopStranger")
	stranger.secret = "a secret Kassa never gave"

	tests := []struct {
		name   string
		send   func() response
		status int
	}{
		{"wrong signature", func() response {
			good := s.secret
			s.secret = "forged"
			defer func() { s.secret = good }()
			return s.post("/pay", body)
		}, http.StatusUnauthorized},
		{"body changed after signing", func() response {
			req, _ := http.NewRequest(http.MethodPost, e.url("/pay"), strings.NewReader(strings.Replace(string(body), "395.01", "0.01", -1)))
			req.Header.Set(shopware.HeaderShopSignature, shopware.Sign([]byte(s.secret), body))
			return do(t, req)
		}, http.StatusUnauthorized},
		{"no signature", func() response {
			req, _ := http.NewRequest(http.MethodPost, e.url("/pay"), strings.NewReader(string(body)))
			return do(t, req)
		}, http.StatusUnauthorized},
		{"unknown shop", func() response { return stranger.post("/pay", stranger.payBody(o, s.returnURL(o), nil)) }, http.StatusUnauthorized},
		{"malformed JSON", func() response { return s.post("/pay", []byte(`{"source":`)) }, http.StatusBadRequest},
		{"no order transaction", func() response {
			return s.post("/pay", phpJSON(t, map[string]any{"source": map[string]any{"shopId": s.id}}))
		}, http.StatusBadRequest},
		{"finalize with a wrong signature", func() response {
			good := s.secret
			s.secret = "forged"
			defer func() { s.secret = good }()
			return s.post("/finalize", s.payBody(o, nil, nil))
		}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		res := tt.send()
		if res.status != tt.status {
			t.Errorf("%s: %d %s; want %d", tt.name, res.status, res.body, tt.status)
		}
	}
	if n := len(e.intents()); n != 0 {
		t.Errorf("%d intents were created by refused calls", n)
	}
	var err error
	e.st.Read(t.Context(), func(r store.Reader) error {
		_, err = r.ShopwareTransaction(t.Context(), e.account, s.id, o.transactionID)
		return nil
	})
	if err == nil {
		t.Error("a refused call stored the order transaction")
	}
	// An uninstalled shop's calls are refused too.
	uninstall := phpJSON(t, map[string]any{"source": map[string]any{"shopId": s.id}, "data": map[string]any{"event": "app.deleted"}})
	if res := s.post("/uninstall", uninstall); res.status != http.StatusNoContent {
		t.Fatalf("uninstall: %d", res.status)
	}
	if res := s.post("/pay", body); res.status != http.StatusUnauthorized {
		t.Errorf("pay from an uninstalled shop: %d %s", res.status, res.body)
	}
}
