package shopwareapp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"kassa/internal/gateway"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/shopware"
	"kassa/internal/store"
)

// refundBody builds a refund call as Shopware serializes it (the SDK
// fixture's shape: the order's currency is null there).
func (s *fakeShop) refundBody(o order, refundID, amount string) []byte {
	total := json.Number(amount)
	price := map[string]any{"unitPrice": total, "quantity": 1, "totalPrice": total, "calculatedTaxes": []any{}, "taxRules": []any{}, "apiAlias": "calculated_price"}
	return phpJSON(s.e.t, map[string]any{
		"source": map[string]any{"url": s.url, "shopId": s.id, "appVersion": "1.0.0"},
		"refund": map[string]any{
			"id": refundID, "captureId": "capture-" + o.transactionID, "reason": nil, "amount": price,
			"stateMachineState": map[string]any{"technicalName": "open"},
			"transactionCapture": map[string]any{
				"id": "capture-" + o.transactionID, "orderTransactionId": o.transactionID, "amount": price,
				"transaction": map[string]any{"id": o.transactionID, "orderId": "order-" + o.transactionID},
			},
			"positions": nil,
		},
		"order": map[string]any{"id": "order-" + o.transactionID, "orderNumber": o.number, "currency": nil, "amountTotal": json.Number(o.total)},
	})
}

func (s *fakeShop) refund(o order, refundID, amount string) paymentAnswer {
	s.e.t.Helper()
	res := s.post("/refund", s.refundBody(o, refundID, amount))
	if res.status != http.StatusOK {
		s.e.t.Fatalf("refund: %d %s", res.status, res.body)
	}
	return decodeAnswer(s.e.t, res)
}

func (e *env) refunds() []*payments.Refund {
	e.t.Helper()
	var out []*payments.Refund
	e.st.Read(e.t.Context(), func(r store.Reader) error {
		var err error
		out, _, err = r.ListRefunds(e.t.Context(), e.account, store.ListQuery{Limit: 100})
		return err
	})
	return out
}

// paidOrder runs the paid journey for o.
func paidOrder(t *testing.T, s *fakeShop, o order) {
	t.Helper()
	ans := s.pay(o)
	c := newCustomer(t)
	done := c.submit(sofortToTAN(c, ans.RedirectURL), "/sofort/tan", url.Values{"tan": {sandbox.CorrectTAN}})
	if got := s.finalize(o, done.location); got.Status != "paid" {
		t.Fatalf("finalize %+v", got)
	}
}

func TestPartialAndFullRefunds(t *testing.T) {
	e := newEnv(t)
	s, admin := e.installWithAdminAPI("shopRefund")
	o := sofortOrder("tx-refunds") // 395.01 EUR
	paidOrder(t, s, o)

	// A partial refund starts pending in the sandbox: Shopware's refund is in progress.
	if got := s.refund(o, "refund-1", "100.5"); got != (paymentAnswer{Status: "process"}) {
		t.Fatalf("partial refund answered %+v; want process", got)
	}
	refunds := e.refunds()
	if len(refunds) != 1 || refunds[0].Amount != 10050 || refunds[0].Currency != "eur" {
		t.Fatalf("refunds %+v; want one of 10050 EUR", refunds)
	}
	// Shopware retrying the same refund does not refund twice.
	if got := s.refund(o, "refund-1", "100.5"); got.Status != "process" {
		t.Errorf("repeated refund answered %+v", got)
	}
	if n := len(e.refunds()); n != 1 {
		t.Fatalf("%d refunds after a repeated call; want 1", n)
	}
	// More than is left is refused, and changes nothing.
	if got := s.refund(o, "refund-too-much", "300"); got.Status != "fail" || got.Message == "" {
		t.Errorf("over-refund answered %+v; want fail with a message", got)
	}
	// The rest, exactly: the order is fully refunded.
	if got := s.refund(o, "refund-2", "294.51"); got.Status != "process" {
		t.Errorf("refund of the rest answered %+v", got)
	}
	if n := len(e.refunds()); n != 2 {
		t.Fatalf("%d refunds; want 2", n)
	}

	// The acquirer completes the first refund later: Shopware's refund is
	// completed through the Admin API.
	first := e.refunds()[1]
	if first.Metadata["shopware_refund_id"] != "refund-1" {
		first = e.refunds()[0]
	}
	err := e.st.Write(t.Context(), func(tx store.Tx) error {
		_, err := e.gw.FinishRefund(t.Context(), tx, &gateway.Caller{AccountID: e.account}, first.ID, gateway.RefundSucceed)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("PushDue = %d, %v", n, err)
	}
	if got := admin.recorded(); len(got) != 1 || got[0] != "refund refund-1 complete" {
		t.Errorf("the Admin API recorded %v; want [refund refund-1 complete]", got)
	}
	if got := s.refund(o, "refund-1", "100.5"); got.Status != "complete" {
		t.Errorf("a repeated call after completion answered %+v; want complete", got)
	}
}

func TestRefundRefusals(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopRefund2")
	s.install()
	o := sofortOrder("tx-refund-refusals")
	paidOrder(t, s, o)
	if got := s.refund(o, "r-frac", "1.005"); got.Status != "fail" {
		t.Errorf("a fraction of a cent answered %+v", got)
	}
	unknown := o
	unknown.transactionID = "tx-never-paid"
	if res := s.post("/refund", s.refundBody(unknown, "r-x", "1")); res.status != http.StatusBadRequest {
		t.Errorf("refund of an unknown transaction: %d %s", res.status, res.body)
	}
	good := s.secret
	s.secret = "forged"
	if res := s.post("/refund", s.refundBody(o, "r-forged", "1")); res.status != http.StatusUnauthorized {
		t.Errorf("forged refund: %d %s", res.status, res.body)
	}
	s.secret = good
	if n := len(e.refunds()); n != 0 {
		t.Errorf("%d refunds were made by refused calls", n)
	}
}

// withPositions fills a refund body's positions as Shopware serializes
// order_transaction_capture_refund_position entities: a line item id, a
// quantity and a calculated_price amount.
func withPositions(t *testing.T, body []byte, refundID string, lines ...[2]string) []byte {
	t.Helper()
	var positions []any
	for i, l := range lines {
		total := json.Number(l[1])
		positions = append(positions, map[string]any{
			"id": refundID + "-pos-" + itoa(int64(i)), "refundId": refundID, "orderLineItemId": l[0], "reason": nil,
			"quantity": 1, "externalReference": nil,
			"amount":   map[string]any{"unitPrice": total, "quantity": 1, "totalPrice": total, "calculatedTaxes": []any{}, "taxRules": []any{}, "apiAlias": "calculated_price"},
			"apiAlias": "order_transaction_capture_refund_position",
		})
	}
	encoded := phpJSON(t, positions)
	out := bytes.Replace(body, []byte(`"positions":null`), append([]byte(`"positions":`), encoded...), 1)
	if bytes.Equal(out, body) {
		t.Fatal("the refund body has no positions to fill")
	}
	return out
}

func TestRefundPositionsMustAddUp(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopRefundPos")
	s.install()
	o := sofortOrder("tx-refund-positions") // 395.01 EUR
	paidOrder(t, s, o)

	// Positions that do not add up to the amount: refused, nothing refunded.
	bad := withPositions(t, s.refundBody(o, "r-bad", "50"), "r-bad", [2]string{"line-shirt", "29.99"}, [2]string{"line-cap", "19.99"})
	res := s.post("/refund", bad)
	if res.status != http.StatusOK {
		t.Fatalf("refund: %d %s", res.status, res.body)
	}
	if got := decodeAnswer(t, res); got.Status != "fail" || !strings.Contains(got.Message, "add up to 49.98 EUR, but the refund is for 50.00 EUR") {
		t.Errorf("inconsistent positions answered %+v", got)
	}
	if n := len(e.refunds()); n != 0 {
		t.Fatalf("%d refunds made for inconsistent positions", n)
	}

	// Positions that add up: refunded, and recorded with the order transaction.
	good := withPositions(t, s.refundBody(o, "r-good", "49.98"), "r-good", [2]string{"line-shirt", "29.99"}, [2]string{"line-cap", "19.99"})
	if res := s.post("/refund", good); res.status != http.StatusOK || decodeAnswer(t, res).Status != "process" {
		t.Fatalf("consistent positions: %d %s", res.status, res.body)
	}
	if refunds := e.refunds(); len(refunds) != 1 || refunds[0].Amount != 4998 {
		t.Fatalf("refunds %+v; want one of 4998", refunds)
	}
	var tr *shopware.Transaction
	err := e.st.Read(t.Context(), func(r store.Reader) error {
		var err error
		tr, err = r.ShopwareTransaction(t.Context(), e.account, s.id, o.transactionID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []shopware.RefundPosition{{ID: "r-good-pos-0", LineItemID: "line-shirt", Quantity: 1, Amount: 2999}, {ID: "r-good-pos-1", LineItemID: "line-cap", Quantity: 1, Amount: 1999}}
	if got := tr.RefundPositions["r-good"]; !reflect.DeepEqual(got, want) {
		t.Errorf("recorded positions %+v; want %+v", got, want)
	}
	if _, ok := tr.RefundPositions["r-bad"]; ok {
		t.Error("the refused refund's positions were recorded")
	}
}
