package paygateapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"kassa/internal/paygate"
	"kassa/internal/store"
)

// restBody is a valid REST Sofort payment to shop.example.
const restBody = `{"transactionId": "T-1", "amount": {"value": 1999, "currency": "EUR"},
 "order": {"description": ["Order 1"]}, "payment": {"sofort": {"account": {"accountHolder": "Max Muster"}}},
 "billing": {"addressInfo": {"country": {"A2": "DE"}}}, "requestId": "REQ-1",
 "urls": {"success": "https://shop.example/ok", "failure": "https://shop.example/fail", "notify": "https://shop.example/notify"}}`

func (f *fixture) rest(t *testing.T, method, path, user, password, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if user != "" || password != "" {
		req.SetBasicAuth(user, password)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := noRedirects().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s answered %d, not JSON: %s", method, path, resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return resp.StatusCode, resp.Header, out
}

func (f *fixture) intents(t *testing.T) int {
	t.Helper()
	var n int
	err := f.gw.Store.Read(context.Background(), func(r store.Reader) error {
		list, _, err := r.ListIntents(context.Background(), f.acct, store.ListQuery{Limit: 100})
		n = len(list)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRESTPaymentCreatesAndReads(t *testing.T) {
	f := setup(t, false)
	status, h, out := f.rest(t, "POST", "/api/v1/payments", f.creds.MerchantID, f.creds.HMACKey, restBody)
	if status != http.StatusCreated {
		t.Fatalf("%d %v", status, out)
	}
	payID, _ := out["paymentId"].(string)
	links, _ := out["_links"].(map[string]any)
	self, _ := links["self"].(map[string]any)
	redirect, _ := links["redirect"].(map[string]any)
	if len(payID) != 32 || self["href"] != "http://kassa.example/api/v1/payments/"+payID || self["type"] != "application/json" ||
		h.Get("Location") != self["href"] || redirect["type"] != "text/html" ||
		!strings.HasPrefix(redirect["href"].(string), "http://kassa.example/sandbox/pay/") {
		t.Fatalf("%v", out)
	}
	// It is the payment sofort.aspx would have made.
	p, _, err := f.gw.PaygatePayment(context.Background(), payID)
	if err != nil || p.TransID != "T-1" || p.Amount != 1999 || p.AccOwner != "Max Muster" || p.Country != "DE" || !p.Encrypt || p.ReqID != "REQ-1" {
		t.Fatalf("%v %+v", err, p)
	}
	if n := f.intents(t); n != 1 {
		t.Fatalf("%d intents", n)
	}

	status, _, got := f.rest(t, "GET", "/api/v1/payments/"+payID, f.creds.MerchantID, f.creds.HMACKey, "")
	if status != http.StatusOK || got["paymentId"] != payID || got["status"] != "PENDING" || got["transactionId"] != "T-1" ||
		got["amount"].(map[string]any)["value"] != 1999.0 || got["merchantId"] != f.creds.MerchantID {
		t.Fatalf("%d %v", status, got)
	}
}

// TestRESTRefusals: bad auth is 401, a bad field a 400 whose code names
// the field (and its JSON path), an unknown payment 404; none creates
// anything.
func TestRESTRefusals(t *testing.T) {
	f := setup(t, false)
	other, err := f.gw.CreateAccount(context.Background(), "Other shop")
	if err != nil {
		t.Fatal(err)
	}
	otherCreds, err := f.gw.CreatePaygateCredentials(context.Background(), other.ID, paygate.Blowfish, false)
	if err != nil {
		t.Fatal(err)
	}
	mid, key := f.creds.MerchantID, f.creds.HMACKey
	cases := []struct {
		name           string
		method, path   string
		user, password string
		body           string
		status         int
		code, field    string
	}{
		{"no auth", "POST", "/api/v1/payments", "", "", restBody, 401, "20010008", ""},
		{"the encryption key as password", "POST", "/api/v1/payments", mid, f.creds.EncryptionKey, restBody, 401, "20010008", ""},
		{"an unknown MerchantID", "POST", "/api/v1/payments", "kassa_nobody", key, restBody, 401, "20010008", ""},
		{"another merchant's key", "POST", "/api/v1/payments", mid, otherCreds.HMACKey, restBody, 401, "20010008", ""},
		{"not JSON", "POST", "/api/v1/payments", mid, key, "TransID=T-1", 400, "20110000", ""},
		{"an amount with decimals", "POST", "/api/v1/payments", mid, key, strings.Replace(restBody, "1999", "19.99", 1), 400, "20110006", "amount.value"},
		{"an amount Sofort cannot take", "POST", "/api/v1/payments", mid, key, strings.Replace(restBody, "1999", "100000000", 1), 400, "20120006", "amount.value"},
		{"no account holder", "POST", "/api/v1/payments", mid, key, strings.Replace(restBody, "accountHolder", "holder", 1), 400, "20100010", "payment.sofort.account.accountHolder"},
		{"an http URL", "POST", "/api/v1/payments", mid, key, strings.Replace(restBody, "https://shop.example/notify", "http://shop.example/notify", 1), 400, "20160018", "urls.notify"},
		{"an unknown payment", "GET", "/api/v1/payments/" + strings.Repeat("0", 32), mid, key, "", 404, "20120026", "paymentId"},
		{"no auth to read", "GET", "/api/v1/payments/" + strings.Repeat("0", 32), "", "", "", 401, "20010008", ""},
	}
	for _, tc := range cases {
		status, h, out := f.rest(t, tc.method, tc.path, tc.user, tc.password, tc.body)
		if status != tc.status || out["code"] != tc.code || out["status"] != "FAILED" || (out["field"] != nil && out["field"] != tc.field) ||
			(tc.field != "" && out["field"] != tc.field) || out["description"] == "" {
			t.Errorf("%s: %d %v, want %d code %s field %q", tc.name, status, out, tc.status, tc.code, tc.field)
		}
		if status == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, h.Get("WWW-Authenticate"))
		}
	}
	if n := f.intents(t); n != 0 {
		t.Fatalf("refused calls made %d intents", n)
	}

	// Another merchant's payment is as unknown as a made-up one.
	status, _, out := f.rest(t, "POST", "/api/v1/payments", mid, key, restBody)
	if status != http.StatusCreated {
		t.Fatalf("%d %v", status, out)
	}
	status, _, got := f.rest(t, "GET", "/api/v1/payments/"+out["paymentId"].(string), otherCreds.MerchantID, otherCreds.HMACKey, "")
	if status != http.StatusNotFound || got["code"] != "20120026" {
		t.Errorf("another merchant read the payment: %d %v", status, got)
	}
}

// TestNotifyOnALocalAddressIsRefused: when Kassa may not call local
// addresses, a URLNotify on one is refused with the payment request (not
// first when the notify fails), while the customer's URLSuccess and
// URLFailure may point anywhere.
func TestNotifyOnALocalAddressIsRefused(t *testing.T) {
	f := setup(t, false)
	f.gw.ForbidPrivateAddresses = true
	mid, key := f.creds.MerchantID, f.creds.HMACKey
	for _, notify := range []string{"https://10.0.0.8/notify", "https://localhost/notify", "https://[::1]/notify", "https://169.254.169.254/notify"} {
		body := strings.Replace(restBody, "https://shop.example/notify", notify, 1)
		status, _, out := f.rest(t, "POST", "/api/v1/payments", mid, key, body)
		if status != http.StatusBadRequest || out["code"] != "20160018" || out["field"] != "urls.notify" ||
			!strings.Contains(out["description"].(string), "private or local") {
			t.Errorf("notify %s: %d %v", notify, status, out)
		}
	}
	if n := f.intents(t); n != 0 {
		t.Fatalf("refused requests made %d intents", n)
	}
	body := strings.NewReplacer("https://shop.example/ok", "https://192.168.1.5/ok", "https://shop.example/fail", "https://localhost/fail").Replace(restBody)
	if status, _, out := f.rest(t, "POST", "/api/v1/payments", mid, key, body); status != http.StatusCreated {
		t.Fatalf("local URLSuccess and URLFailure: %d %v", status, out)
	}
}
