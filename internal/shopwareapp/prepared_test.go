package shopwareapp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// preparedVipps is what a storefront integration does before the order is
// placed: a manual-capture Vipps intent the customer approves.
func preparedVipps(t *testing.T, e *env, amount int64) *payments.PaymentIntent {
	t.Helper()
	var pi *payments.PaymentIntent
	err := e.st.Write(t.Context(), func(tx store.Tx) error {
		var err error
		pi, err = e.gw.CreateIntent(t.Context(), tx, &gateway.Caller{AccountID: e.account}, gateway.CreateIntentInput{
			IntentInput: payments.IntentInput{Amount: amount, Currency: "nok", CaptureMethod: payments.CaptureManual},
			Method: gateway.MethodChoice{Data: &gateway.PaymentMethodInput{Type: methods.Vipps,
				BillingDetails: payments.BillingDetails{Address: payments.Address{Country: "NO"}}}},
			Confirm: true, ReturnURL: "https://shop.example/checkout/confirm",
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := newCustomer(t)
	approve := c.follow(c.submit(c.get(pi.Pending.RedirectURL), "/vipps/phone", url.Values{"phone": {"41234567"}}))
	if done := c.submit(approve, "/vipps/approve", nil); done.status != http.StatusSeeOther {
		t.Fatalf("approve: %d", done.status)
	}
	return pi
}

func (s *fakeShop) validateBody(total, currency string, requestData map[string]any) []byte {
	return phpJSON(s.e.t, map[string]any{
		"source":              map[string]any{"url": s.url, "shopId": s.id, "appVersion": "1.0.0"},
		"cart":                map[string]any{"price": map[string]any{"netPrice": json.Number(total), "totalPrice": json.Number(total), "positionPrice": json.Number(total), "taxStatus": "gross"}, "lineItems": []any{}, "errors": []any{}},
		"requestData":         requestData,
		"salesChannelContext": map[string]any{"currency": map[string]any{"isoCode": currency, "factor": 1}},
	})
}

// prepared is validate's answer.
type prepared struct {
	PreOrderPayment map[string]string `json:"preOrderPayment"`
	Message         string            `json:"message"`
}

func (s *fakeShop) validate(total, currency string, requestData map[string]any) prepared {
	s.e.t.Helper()
	res := s.post("/validate", s.validateBody(total, currency, requestData))
	if res.status != http.StatusOK {
		s.e.t.Fatalf("validate: %d %s", res.status, res.body)
	}
	var out prepared
	json.Unmarshal(res.body, &out)
	return out
}

// captureBody is the 2.0 capture call: order, orderTransaction and preOrderPayment.
func (s *fakeShop) captureBody(o order, pre map[string]string) []byte {
	var body map[string]any
	json.Unmarshal(s.payBody(o, nil, nil), &body)
	delete(body, "returnUrl")
	delete(body, "requestData")
	delete(body, "recurring")
	body["preOrderPayment"] = pre
	return phpJSON(s.e.t, body)
}

func TestPreparedPaymentValidateAndCapture(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopPrep")
	s.install()
	pi := preparedVipps(t, e, 24900)

	refusals := []struct {
		name, total, currency string
		data                  map[string]any
		says                  string
	}{
		{"no intent named", "249", "NOK", map[string]any{}, "missing"},
		{"unknown intent", "249", "NOK", map[string]any{PreparedIntentKey: "pi_nope"}, "pi_nope"},
		{"cart costs more", "249.01", "NOK", map[string]any{PreparedIntentKey: pi.ID}, "249.00 NOK"},
		{"other currency", "249", "EUR", map[string]any{PreparedIntentKey: pi.ID}, "EUR"},
	}
	for _, tt := range refusals {
		got := s.validate(tt.total, tt.currency, tt.data)
		if got.PreOrderPayment != nil || !strings.Contains(got.Message, tt.says) {
			t.Errorf("%s: validate answered %+v; want a message mentioning %q", tt.name, got, tt.says)
		}
	}
	ok := s.validate("249", "NOK", map[string]any{PreparedIntentKey: pi.ID})
	if ok.Message != "" || ok.PreOrderPayment[PreparedIntentKey] != pi.ID {
		t.Fatalf("validate answered %+v", ok)
	}

	o := order{transactionID: "tx-prepared", number: "30001", method: "vipps", total: "249", currency: "NOK", country: "NO"}
	res := s.post("/capture", s.captureBody(o, ok.PreOrderPayment))
	if res.status != http.StatusOK {
		t.Fatalf("capture: %d %s", res.status, res.body)
	}
	if got := decodeAnswer(t, res); got != (paymentAnswer{Status: "paid"}) {
		t.Fatalf("capture answered %+v; want paid", got)
	}
	if got := e.intents()[0]; got.Status != payments.Succeeded || got.AmountReceived != 24900 {
		t.Errorf("intent after capture: %s received %d", got.Status, got.AmountReceived)
	}
	// Retried: the same answer, no second capture.
	if got := decodeAnswer(t, s.post("/capture", s.captureBody(o, ok.PreOrderPayment))); got.Status != "paid" {
		t.Errorf("repeated capture answered %+v", got)
	}
	// The same prepared payment cannot pay a second order (6.7 sends it in pay).
	other := o
	other.transactionID = "tx-prepared-2"
	var body map[string]any
	json.Unmarshal(s.payBody(other, s.returnURL(other), nil), &body)
	body["preOrderPayment"] = ok.PreOrderPayment
	if got := decodeAnswer(t, s.post("/pay", phpJSON(t, body))); got.Status != "fail" || !strings.Contains(got.Message, "another order") {
		t.Errorf("second order with one prepared payment: %+v", got)
	}
	// And the captured payment is refundable from Shopware.
	if got := s.refund(o, "refund-prepared", "49"); got.Status != "process" {
		t.Errorf("refund of a prepared payment answered %+v", got)
	}
}

func TestPreparedPaymentInPay(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopPrep67")
	s.install()
	pi := preparedVipps(t, e, 10000)
	o := order{transactionID: "tx-prepared-67", number: "30002", method: "vipps", total: "100", currency: "NOK", country: "NO"}
	var body map[string]any
	json.Unmarshal(s.payBody(o, s.returnURL(o), nil), &body)
	body["preOrderPayment"] = map[string]string{PreparedIntentKey: pi.ID}
	if got := decodeAnswer(t, s.post("/pay", phpJSON(t, body))); got != (paymentAnswer{Status: "paid"}) {
		t.Fatalf("pay with a prepared payment answered %+v; want paid", got)
	}
	if n := len(e.intents()); n != 1 {
		t.Errorf("%d intents; pay must not start another", n)
	}
}
