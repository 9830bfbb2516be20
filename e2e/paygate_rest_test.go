package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// restPay creates a payment through the REST form with the merchant's
// Basic credentials and returns the HTTP status and the decoded answer.
func (s *paygateShop) restPay(t *testing.T, transID, reqID string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"transactionId": transID, "referenceNumber": "R-" + transID, "requestId": reqID,
		"amount":   map[string]any{"value": 1999, "currency": "EUR"},
		"order":    map[string]any{"description": []string{"Order " + transID}},
		"payment":  map[string]any{"method": "sofort", "sofort": map[string]any{"account": map[string]any{"accountHolder": "Max Mustermann"}}},
		"billing":  map[string]any{"addressInfo": map[string]any{"country": map[string]any{"A2": "DE"}}},
		"language": "de",
		"urls":     map[string]any{"success": s.shop.srv.URL + "/ok", "failure": s.shop.srv.URL + "/fail", "notify": s.shop.srv.URL + "/notify"},
		"metadata": map[string]any{"userData": "cart=9", "plain": "shop-9"},
	})
	req, _ := http.NewRequest(http.MethodPost, s.k.URL+"/api/v1/payments", bytes.NewReader(body))
	req.SetBasicAuth(s.creds.MerchantID, s.creds.HMACKey)
	req.Header.Set("Content-Type", "application/json")
	return s.restDo(t, req)
}

func (s *paygateShop) restDo(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s answered %d, not JSON: %v", req.URL, resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

func link(t *testing.T, answer map[string]any, name string) (href, typ string) {
	t.Helper()
	links, _ := answer["_links"].(map[string]any)
	l, ok := links[name].(map[string]any)
	if !ok {
		t.Fatalf("no _links.%s in %v", name, answer)
	}
	href, _ = l["href"].(string)
	typ, _ = l["type"].(string)
	return href, typ
}

// TestPaygateRESTPayment: a shop creates the Sofort payment through the
// REST form, sends the customer to _links.redirect through the sandbox
// bank, gets the encrypted result at URLSuccess and the notify, and both
// inquire.aspx and the self link show the payment; a repeated requestId
// answers the original payment and pays nothing.
func TestPaygateRESTPayment(t *testing.T) {
	k := start(t)
	s := newPaygateShop(t, k)
	status, created := s.restPay(t, "T-5005", "REQ-5005")
	if status != http.StatusCreated {
		t.Fatalf("%d %v", status, created)
	}
	payID, _ := created["paymentId"].(string)
	redirect, redirectType := link(t, created, "redirect")
	self, selfType := link(t, created, "self")
	if len(payID) != 32 || redirectType != "text/html" || selfType != "application/json" || self != k.URL+"/api/v1/payments/"+payID {
		t.Fatalf("%v", created)
	}

	if p := s.b.get(redirect); p.Status != http.StatusOK {
		t.Fatalf("the redirect link answered %d", p.Status)
	}
	// The bank flow from there, as after sofort.aspx's 303 to the same page.
	target := s.bank(t, page{Status: http.StatusSeeOther, Location: redirect}, "123456")
	q := target.Query()
	if target.Path != "/ok" || q.Get("Plain") != "shop-9" {
		t.Fatalf("the customer came back to %s", target)
	}
	expect(t, "the result at URLSuccess", s.result(t, q), map[string]string{
		"PayID": payID, "TransID": "T-5005", "Status": "OK", "Code": "00000000", "UserData": "cart=9", "RefNr": "R-T-5005"})
	s.awaitNotifyAnswered(t, payID)
	if got := s.shop.received(); len(got) != 1 || s.result(t, got[0])["PayID"] != payID {
		t.Fatalf("notifies %v", got)
	}
	expect(t, "inquire.aspx", s.inquire(t, payID, "T-5005", nil), map[string]string{
		"Status": "OK", "LastStatus": "OK", "AmountAuth": "1999", "AmountCap": "1999", "AmountCred": "0"})

	req, _ := http.NewRequest(http.MethodGet, self, nil)
	req.SetBasicAuth(s.creds.MerchantID, s.creds.HMACKey)
	status, got := s.restDo(t, req)
	if status != http.StatusOK || got["paymentId"] != payID || got["status"] != "OK" || got["code"] != "00000000" ||
		got["amountCaptured"] != 1999.0 || got["referenceNumber"] != "R-T-5005" {
		t.Fatalf("GET self: %d %v", status, got)
	}

	// The same requestId again: the original payment, its result one redirect away.
	status, again := s.restPay(t, "T-5005-again", "REQ-5005")
	if status != http.StatusOK || again["paymentId"] != payID {
		t.Fatalf("requestId replay: %d %v", status, again)
	}
	back, _ := link(t, again, "redirect")
	if r := s.follow(t, back); r.Path != "/ok" || s.result(t, r.Query())["PayID"] != payID {
		t.Errorf("the replay's redirect went to %s", r)
	}
	if n := countIntents(t, k); n != 1 {
		t.Errorf("%d intents after a replay", n)
	}
}
