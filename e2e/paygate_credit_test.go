package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/paygate"
)

// call posts a server-to-server request (credit.aspx, inquire.aspx) and
// reads the encrypted answer.
func (s *paygateShop) call(t *testing.T, path string, fields map[string]string, mac *string) map[string]string {
	t.Helper()
	n, data := s.client.request(fields, mac)
	resp, err := http.PostForm(s.k.URL+path, url.Values{"MerchantID": {s.creds.MerchantID}, "Len": {itoa(n)}, "Data": {data}})
	if err != nil {
		t.Fatal(err)
	}
	p := s.b.read(resp)
	answer, err := url.ParseQuery(p.Body)
	if p.Status != http.StatusOK || err != nil || answer.Get("Data") == "" || answer.Get("MerchantID") != s.creds.MerchantID {
		t.Fatalf("%s answered %d: %s", path, p.Status, p.Body)
	}
	return s.result(t, answer)
}

func (s *paygateShop) credit(t *testing.T, payID, transID, amount, reqID string) map[string]string {
	t.Helper()
	f := map[string]string{"MerchantID": s.creds.MerchantID, "PayID": payID, "TransID": transID, "Amount": amount, "Currency": "EUR"}
	if reqID != "" {
		f["ReqId"] = reqID
	}
	return s.call(t, "/credit.aspx", f, nil)
}

func (s *paygateShop) inquire(t *testing.T, payID, transID string, mac *string) map[string]string {
	t.Helper()
	return s.call(t, "/inquire.aspx", map[string]string{"MerchantID": s.creds.MerchantID, "PayID": payID, "TransID": transID}, mac)
}

func expect(t *testing.T, what string, got map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %q, want %q (all: %v)", what, k, got[k], v, got)
		}
	}
}

func TestPaygateCreditAndInquire(t *testing.T) {
	k := start(t)
	s := newPaygateShop(t, k, http.StatusInternalServerError) // the first notify is refused
	res := s.result(t, s.bank(t, s.pay(s.order("T-3003"), nil), "123456").Query())
	payID := res["PayID"]
	s.awaitNotifyTries(t, payID, 1)

	// Before the shop answered the first notify, credits are refused.
	expect(t, "credit before the notify was answered", s.credit(t, payID, "C-0", "500", ""),
		map[string]string{"Status": "FAILED", "Code": "20500004", "PayID": payID})
	k.Clock.Advance(time.Minute)
	s.awaitNotifyAnswered(t, payID)
	if n := len(s.shop.received()); n != 2 {
		t.Fatalf("%d notifies", n)
	}
	expect(t, "a credit of 0.01", s.credit(t, payID, "C-probe", "1", ""), map[string]string{"Status": "OK", "Code": "00000000"})

	expect(t, "inquiry after a 0.01 credit", s.inquire(t, payID, "T-3003", nil), map[string]string{
		"Status": "OK", "Code": "00000000", "LastStatus": "OK", "AmountAuth": "1999", "AmountCap": "1999", "AmountCred": "1", "Currency": "EUR"})

	partial := s.credit(t, payID, "C-1", "500", "REQ-C1")
	expect(t, "a partial credit", partial, map[string]string{"Status": "OK", "Code": "00000000", "TransID": "C-1", "PayID": payID})
	if len(partial["XID"]) != 32 || partial["XID"] == res["XID"] {
		t.Errorf("a credit has its own XID: %q (payment %q)", partial["XID"], res["XID"])
	}
	expect(t, "more than is left", s.credit(t, payID, "C-2", "1499", ""), map[string]string{"Status": "FAILED", "Code": "20120006"})
	expect(t, "another currency", s.call(t, "/credit.aspx", map[string]string{"MerchantID": s.creds.MerchantID, "PayID": payID,
		"TransID": "C-3", "Amount": "100", "Currency": "CHF"}, nil), map[string]string{"Status": "FAILED", "Code": "20160007"})
	expect(t, "a made-up PayID", s.credit(t, strings.Repeat("0", 32), "C-4", "100", ""), map[string]string{"Status": "FAILED", "Code": "20120026"})
	badMAC := strings.Repeat("B", 64)
	expect(t, "a wrong MAC", s.call(t, "/credit.aspx", map[string]string{"MerchantID": s.creds.MerchantID, "PayID": payID,
		"TransID": "C-5", "Amount": "100", "Currency": "EUR"}, &badMAC), map[string]string{"Status": "FAILED", "Code": "20010006"})

	// The same ReqId again: the original answer, no second refund.
	again := s.credit(t, payID, "C-1-again", "500", "REQ-C1")
	expect(t, "ReqId replay", again, map[string]string{"Status": "OK", "XID": partial["XID"], "TransID": "C-1"})
	full := s.credit(t, payID, "C-6", "1498", "")
	expect(t, "the rest", full, map[string]string{"Status": "OK"})
	expect(t, "anything after all", s.credit(t, payID, "C-7", "1", ""), map[string]string{"Status": "FAILED"})

	noMAC := ""
	expect(t, "inquiry without a MAC", s.inquire(t, payID, "T-3003", &noMAC),
		map[string]string{"Status": "OK", "AmountCap": "1999", "AmountCred": "1999", "LastStatus": "OK"})

	// The refund engine saw exactly the three accepted credits.
	n := 0
	var sum int64
	for r, err := range k.SC.V1Refunds.List(context.Background(), &stripe.RefundListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		sum += r.Amount
	}
	if n != 3 || sum != 1999 {
		t.Errorf("%d refunds of %d in all, want 3 of 1999", n, sum)
	}
}

// awaitNotify waits until Kassa has recorded what cond looks for in the
// payment's notify. Kassa records a try just after the shop answers it,
// so a test waits for the record, not the shop's count, before it moves
// the clock (a try recorded after the move is scheduled from the moved
// time).
func (s *paygateShop) awaitNotify(t *testing.T, payID, what string, cond func(paygate.Notify) bool) {
	t.Helper()
	eventually(t, what, func() bool {
		p, _, err := s.k.App.Gateway.PaygatePayment(context.Background(), payID)
		if err != nil {
			t.Fatal(err)
		}
		return cond(p.Notify)
	})
}

func (s *paygateShop) awaitNotifyAnswered(t *testing.T, payID string) {
	t.Helper()
	s.awaitNotify(t, payID, "the notify recorded as answered", func(n paygate.Notify) bool { return n.State == paygate.NotifyAnswered })
}

func (s *paygateShop) awaitNotifyTries(t *testing.T, payID string, tries int) {
	t.Helper()
	s.awaitNotify(t, payID, "the notify's tries recorded", func(n paygate.Notify) bool { return n.Attempts >= tries })
}
