package shopwareapp

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kassa/internal/gateway"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/store"
)

// withSubscription turns a pay or recurring body into one for an order of
// a subscription: Shopware's RecurringDataStruct as its JSON serializer
// writes it (the date in ATOM format with milliseconds, "\/" escaped).
func withSubscription(t *testing.T, body []byte, subscriptionID string) []byte {
	t.Helper()
	recurring := phpJSON(t, map[string]any{
		"subscriptionId": subscriptionID, "nextSchedule": "2026-12-26T09:00:00.000+00:00", "extensions": []any{},
	})
	out := bytes.Replace(body, []byte(`"recurring":null`), append([]byte(`"recurring":`), recurring...), 1)
	if bytes.Equal(out, body) {
		t.Fatal("the body has no recurring key to fill")
	}
	return out
}

func vippsOrder(id, total string) order {
	return order{transactionID: id, number: "N-" + id, method: "vipps", total: total, currency: "NOK", country: "NO"}
}

// payFirstOrder pays the first order of a subscription like a customer:
// pay, the Vipps page (phone, approve), back to the shop, finalize.
func payFirstOrder(t *testing.T, s *fakeShop, o order, sub string, approve bool) paymentAnswer {
	t.Helper()
	res := s.post("/pay", withSubscription(t, s.payBody(o, s.returnURL(o), nil), sub))
	if res.status != http.StatusOK {
		t.Fatalf("pay: %d %s", res.status, res.body)
	}
	ans := decodeAnswer(t, res)
	if ans.RedirectURL == "" {
		t.Fatalf("pay answered %+v; want a redirect", ans)
	}
	c := newCustomer(t)
	page := c.follow(c.submit(c.get(ans.RedirectURL), "/vipps/phone", url.Values{"phone": {"41234567"}}))
	if !strings.Contains(page.body, "Vipps agreement") {
		t.Errorf("the approval page does not tell the customer about the agreement:\n%s", page.body)
	}
	button := "/vipps/approve"
	if !approve {
		button = "/vipps/reject"
	}
	done := c.submit(page, button, nil)
	if done.status != http.StatusSeeOther || !strings.HasPrefix(done.location, s.returnURL(o)) {
		t.Fatalf("after %s: %d to %q", button, done.status, done.location)
	}
	return s.finalize(o, done.location)
}

func (s *fakeShop) recurringCall(o order, sub string) paymentAnswer {
	t := s.e.t
	t.Helper()
	body := s.payBody(o, nil, nil)
	if sub != "" {
		body = withSubscription(t, body, sub)
	}
	res := s.post("/recurring", body)
	if res.status != http.StatusOK {
		t.Fatalf("recurring: %d %s", res.status, res.body)
	}
	return decodeAnswer(t, res)
}

func TestRecurringChargesTheVippsAgreement(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopSub")
	s.install()
	const sub = "0190c0ffee0000000000000000000001"

	if got := payFirstOrder(t, s, vippsOrder("tx-first", "249"), sub, true); got != (paymentAnswer{Status: "paid"}) {
		t.Fatalf("finalize of the first order: %+v", got)
	}
	first := e.intents()[0]
	if first.SetupFutureUsage != payments.SetupOffSession || first.Metadata["shopware_subscription_id"] != sub {
		t.Errorf("first intent: setup %q, metadata %v", first.SetupFutureUsage, first.Metadata)
	}

	next := vippsOrder("tx-month-2", "199.5")
	if got := s.recurringCall(next, sub); got != (paymentAnswer{Status: "paid"}) {
		t.Fatalf("recurring answered %+v; want paid", got)
	}
	list := e.intents()
	if len(list) != 2 {
		t.Fatalf("%d intents; want the first and the recurring one", len(list))
	}
	charged := list[0]
	if charged.ID == first.ID {
		charged = list[1]
	}
	if charged.Status != payments.Succeeded || charged.Amount != 19950 || charged.Currency != "nok" ||
		charged.PaymentMethodID != first.PaymentMethodID || charged.Metadata["shopware_order_transaction_id"] != next.transactionID {
		t.Errorf("recurring intent %+v", charged)
	}
	// Shopware retrying the call gets the same answer and nothing is charged twice.
	if got := s.recurringCall(next, sub); got != (paymentAnswer{Status: "paid"}) {
		t.Errorf("repeated recurring answered %+v", got)
	}
	if n := len(e.intents()); n != 2 {
		t.Errorf("%d intents after a repeated recurring call; want 2", n)
	}

	// The customer stops the agreement in Vipps: the next month fails, saying why.
	err := e.st.Write(context.Background(), func(tx store.Tx) error {
		_, err := e.gw.RevokeAgreement(context.Background(), tx, &gateway.Caller{AccountID: e.account}, first.PaymentMethodID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.recurringCall(vippsOrder("tx-month-3", "199.5"), sub); got != (paymentAnswer{Status: "fail", Message: sandbox.ReasonAgreementRevoked}) {
		t.Errorf("recurring after revocation answered %+v", got)
	}
}

func TestRecurringFailsWithoutAnAgreement(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopSub2")
	s.install()

	// The customer rejected the first payment: the agreement was never given.
	if got := payFirstOrder(t, s, vippsOrder("tx-rejected", "249"), "sub-rejected", false); got.Status != "fail" {
		t.Fatalf("finalize of the rejected first order: %+v", got)
	}
	before := len(e.intents())
	tests := []struct {
		name string
		o    order
		sub  string
		says string
	}{
		{"first payment rejected", vippsOrder("tx-r1", "249"), "sub-rejected", "never saved for future use"},
		{"unknown subscription", vippsOrder("tx-r2", "249"), "sub-unknown", "no agreement for subscription sub-unknown"},
		{"no subscription named", vippsOrder("tx-r3", "249"), "", "names no subscription"},
		{"sofort keeps no agreement", sofortOrder("tx-r4"), "sub-rejected", "cannot charge sofort again"},
		{"bank transfer keeps no agreement", order{"tx-r5", "5", "bank_transfer_id", "150000", "IDR", "ID"}, "sub-rejected", "cannot charge bank_transfer_id again"},
	}
	for _, tt := range tests {
		got := s.recurringCall(tt.o, tt.sub)
		if got.Status != "fail" || !strings.Contains(got.Message, tt.says) || got.RedirectURL != "" {
			t.Errorf("%s: answered %+v; want fail saying %q", tt.name, got, tt.says)
		}
	}
	if n := len(e.intents()); n != before {
		t.Errorf("%d intents created by failed recurring calls", n-before)
	}

	good := s.secret
	s.secret = "forged"
	if res := s.post("/recurring", withSubscription(t, s.payBody(vippsOrder("tx-forged", "1"), nil, nil), "sub-rejected")); res.status != http.StatusUnauthorized {
		t.Errorf("forged recurring call: %d", res.status)
	}
	s.secret = good
}
