package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/gateway"
	"kassa/internal/paygate"
)

// shop is a Paygate shop's server: it records the notifies it gets and
// answers them with the statuses queued in answers (then 200); noAnswer
// holds the request open until the caller goes away.
type paygateShopServer struct {
	srv      *httptest.Server
	mu       sync.Mutex
	notifies []url.Values
	answers  []int
	first    time.Time // when the first notify came
}

const noAnswer = 0

func newShopServer(t *testing.T, answers ...int) *paygateShopServer {
	s := &paygateShopServer{answers: answers}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/notify" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		if len(s.notifies) == 0 {
			s.first = time.Now()
		}
		s.notifies = append(s.notifies, form)
		status := http.StatusOK
		if len(s.answers) > 0 {
			status, s.answers = s.answers[0], s.answers[1:]
		}
		s.mu.Unlock()
		if status == noAnswer {
			<-r.Context().Done() // until Kassa gives up or dies
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *paygateShopServer) firstAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

func (s *paygateShopServer) received() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.notifies...)
}

// paygateShop is a merchant with Paygate credentials and its shop.
type paygateShop struct {
	k      *kassa
	creds  gateway.PaygateCredentials
	client paygateClient
	shop   *paygateShopServer
	b      *browser
}

func newPaygateShop(t *testing.T, k *kassa, answers ...int) *paygateShop {
	return newPaygateShopWith(t, k, paygate.Blowfish, answers...)
}

// newPaygateShopWith is a shop whose credentials use alg.
func newPaygateShopWith(t *testing.T, k *kassa, alg paygate.Algorithm, answers ...int) *paygateShop {
	creds, err := k.App.Gateway.CreatePaygateCredentials(context.Background(), k.Keys.ID, alg, false)
	if err != nil {
		t.Fatal(err)
	}
	return &paygateShop{k: k, creds: creds, client: newPaygateClient(t, creds),
		shop: newShopServer(t, answers...), b: newBrowser(t)}
}

// order is a valid Sofort request of 19.99 EUR.
func (s *paygateShop) order(transID string) map[string]string {
	return map[string]string{
		"MerchantID": s.creds.MerchantID, "TransID": transID, "Amount": "1999", "Currency": "EUR",
		"OrderDesc": "Order " + transID, "AccOwner": "Max Mustermann", "AddrCountryCode": "DE",
		"URLSuccess": s.shop.srv.URL + "/ok", "URLFailure": s.shop.srv.URL + "/fail", "URLNotify": s.shop.srv.URL + "/notify",
		"Response": "encrypt",
	}
}

// pay sends the order to sofort.aspx as the shop's redirect would.
func (s *paygateShop) pay(fields map[string]string, mac *string) page {
	n, data := s.client.request(fields, mac)
	q := url.Values{"MerchantID": {s.creds.MerchantID}, "Len": {itoa(n)}, "Data": {data}}
	return s.b.get(s.k.URL + "/sofort.aspx?" + q.Encode())
}

func itoa(n int) string { return strconv.Itoa(n) }

// bank goes through the sandbox bank's pages with tan and returns where
// Kassa finally sends the customer (the shop's URL with the result).
func (s *paygateShop) bank(t *testing.T, start page, tan string) *url.URL {
	t.Helper()
	if start.Status != http.StatusSeeOther || !strings.HasPrefix(start.Location, s.k.URL+"/sandbox/pay/") {
		t.Fatalf("sofort.aspx answered %d → %q: %s", start.Status, start.Location, start.Body)
	}
	at := start.Location
	s.b.post(at+"/sofort/bank", url.Values{"bank": {"sandbox_sparkasse"}})
	s.b.post(at+"/sofort/login", url.Values{"bank": {"sandbox_sparkasse"}, "user": {"max"}, "pin": {"1"}})
	back := s.b.post(at+"/sofort/tan", url.Values{"bank": {"sandbox_sparkasse"}, "user": {"max"}, "tan": {tan}})
	if back.Status != http.StatusSeeOther || !strings.HasPrefix(back.Location, s.k.URL+gateway.PaygateReturnPath) {
		t.Fatalf("the bank sent the customer to %d %q", back.Status, back.Location)
	}
	return s.follow(t, back.Location)
}

// follow gets a Kassa URL that must redirect to the shop.
func (s *paygateShop) follow(t *testing.T, u string) *url.URL {
	t.Helper()
	p := s.b.get(u)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, s.shop.srv.URL) {
		t.Fatalf("%s answered %d → %q: %s", u, p.Status, p.Location, p.Body)
	}
	target, err := url.Parse(p.Location)
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// result reads the encrypted result a URL carries.
func (s *paygateShop) result(t *testing.T, q url.Values) map[string]string {
	t.Helper()
	fields, macOK := s.client.result(q.Get("Len"), q.Get("Data"))
	if !macOK {
		t.Fatalf("the result's MAC is wrong: %v", fields)
	}
	return fields
}

func TestPaygateSofortPaymentSucceedsAndNotifiesWithRetries(t *testing.T) {
	k := start(t)
	s := newPaygateShop(t, k, http.StatusInternalServerError, http.StatusServiceUnavailable)
	order := s.order("T-1001")
	order["UserData"], order["RefNr"], order["ReqId"] = "cart=77", "R-1001", "REQ-1001"
	order["Plain"], order["Custom"] = "shop-7", "session=abc|lang=de"

	target := s.bank(t, s.pay(order, nil), "123456")
	if target.Path != "/ok" {
		t.Fatalf("success went to %s", target)
	}
	q := target.Query()
	if q.Get("Plain") != "shop-7" || q.Get("session") != "abc" || q.Get("lang") != "de" {
		t.Errorf("Plain and Custom are echoed in plain: %v", q)
	}
	res := s.result(t, q)
	for key, want := range map[string]string{
		"mid": s.creds.MerchantID, "TransID": "T-1001", "Status": "OK", "Code": "00000000",
		"UserData": "cart=77", "RefNr": "R-1001", "AccOwner": "Max Mustermann",
	} {
		if res[key] != want {
			t.Errorf("result %s = %q, want %q", key, res[key], want)
		}
	}
	if len(res["PayID"]) != 32 || len(res["XID"]) != 32 {
		t.Errorf("PayID %q, XID %q", res["PayID"], res["XID"])
	}

	// The payment is a Sofort PaymentIntent the merchant sees in the API.
	it := k.SC.V1PaymentIntents.List(context.Background(), &stripe.PaymentIntentListParams{})
	var intents []*stripe.PaymentIntent
	for pi, err := range it {
		if err != nil {
			t.Fatal(err)
		}
		intents = append(intents, pi)
	}
	if len(intents) != 1 || intents[0].Status != stripe.PaymentIntentStatusSucceeded || intents[0].Amount != 1999 ||
		intents[0].Metadata["paygate_pay_id"] != res["PayID"] {
		t.Fatalf("intents %+v", intents)
	}

	// The notify: refused twice (500, 503), retried after 1 and 5 minutes, answered the third time.
	s.awaitNotifyTries(t, res["PayID"], 1)
	k.Clock.Advance(59 * time.Second)
	time.Sleep(50 * time.Millisecond)
	if n := len(s.shop.received()); n != 1 {
		t.Fatalf("%d notifies before the first retry is due", n)
	}
	k.Clock.Advance(time.Second)
	s.awaitNotifyTries(t, res["PayID"], 2)
	k.Clock.Advance(5 * time.Minute)
	s.awaitNotifyAnswered(t, res["PayID"])
	k.Clock.Advance(48 * time.Hour)
	time.Sleep(50 * time.Millisecond)
	got := s.shop.received()
	if len(got) != 3 {
		t.Fatalf("%d notifies after the shop answered 200", len(got))
	}
	for i, form := range got {
		n := s.result(t, form)
		if n["PayID"] != res["PayID"] || n["Status"] != "OK" || n["Code"] != "00000000" || form.Get("Plain") != "shop-7" {
			t.Errorf("notify %d: %v %v", i, n, form)
		}
	}

	// The same ReqId again returns the original result and pays nothing.
	again := s.follow(t, s.k.URL+"/sofort.aspx?"+s.requestQuery(order))
	if r2 := s.result(t, again.Query()); again.Path != "/ok" || r2["PayID"] != res["PayID"] {
		t.Errorf("ReqId replay went to %s with %v", again, r2)
	}
	if n := countIntents(t, k); n != 1 {
		t.Errorf("the replay made a payment: %d intents", n)
	}
}

func (s *paygateShop) requestQuery(fields map[string]string) string {
	n, data := s.client.request(fields, nil)
	return url.Values{"MerchantID": {s.creds.MerchantID}, "Len": {itoa(n)}, "Data": {data}}.Encode()
}

func countIntents(t *testing.T, k *kassa) int {
	n := 0
	for _, err := range k.SC.V1PaymentIntents.List(context.Background(), &stripe.PaymentIntentListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func TestPaygateSofortFailureReturnsToURLFailure(t *testing.T) {
	k := start(t)
	s := newPaygateShop(t, k)
	order := s.order("T-2002")
	delete(order, "Response") // results in plain, MACed

	target := s.bank(t, s.pay(order, nil), "000000")
	q := target.Query()
	if target.Path != "/fail" || q.Get("Status") != "FAILED" || q.Get("Code") != "20500001" || q.Get("TransID") != "T-2002" {
		t.Fatalf("failure went to %s", target)
	}
	h := hmac.New(sha256.New, []byte(s.creds.HMACKey))
	h.Write([]byte(strings.Join([]string{q.Get("PayID"), "T-2002", s.creds.MerchantID, "FAILED", "20500001"}, "*")))
	if want := strings.ToUpper(hex.EncodeToString(h.Sum(nil))); q.Get("MAC") != want {
		t.Errorf("MAC %s, want %s", q.Get("MAC"), want)
	}
	eventually(t, "the notify", func() bool { return len(s.shop.received()) == 1 })
	if n := s.result(t, s.shop.received()[0]); n["Status"] != "FAILED" || n["Code"] != "20500001" || n["PayID"] != q.Get("PayID") {
		t.Errorf("notify %v", n)
	}
}

// TestPaygateSofortRefusesFormattingErrors: a request with a wrong field
// is refused whole, with the code naming the field, and pays nothing.
func TestPaygateSofortRefusesFormattingErrors(t *testing.T) {
	k := start(t)
	s := newPaygateShop(t, k)
	badMAC := strings.Repeat("A", 64)
	cases := []struct {
		name   string
		change func(map[string]string)
		mac    *string
		code   string
	}{
		{"amount with a decimal point", func(o map[string]string) { o["Amount"] = "19.99" }, nil, "20110006"},
		{"a currency Sofort does not take", func(o map[string]string) { o["Currency"] = "USD" }, nil, "20160007"},
		{"a country Sofort does not serve", func(o map[string]string) { o["AddrCountryCode"] = "FR" }, nil, "20160013"},
		{"no OrderDesc", func(o map[string]string) { delete(o, "OrderDesc") }, nil, "20100009"},
		{"AccOwner too long", func(o map[string]string) { o["AccOwner"] = strings.Repeat("x", 51) }, nil, "20140010"},
		{"RefNr with a space", func(o map[string]string) { o["RefNr"] = "R 1" }, nil, "20110005"},
		{"URLNotify with parameters", func(o map[string]string) { o["URLNotify"] += "?order=1" }, nil, "20160018"},
		{"a wrong MAC", func(map[string]string) {}, &badMAC, "20010006"},
		{"an amount the method cannot take", func(o map[string]string) { o["Amount"] = "100000000" }, nil, "20120006"},
	}
	for _, tc := range cases {
		order := s.order("T-bad")
		tc.change(order)
		target := s.follow(t, s.k.URL+"/sofort.aspx?"+func() string {
			n, data := s.client.request(order, tc.mac)
			return url.Values{"MerchantID": {s.creds.MerchantID}, "Len": {itoa(n)}, "Data": {data}}.Encode()
		}())
		res := s.result(t, target.Query())
		if target.Path != "/fail" || res["Status"] != "FAILED" || res["Code"] != tc.code || res["PayID"] != "" {
			t.Errorf("%s: %s with %v, want code %s", tc.name, target.Path, res, tc.code)
		}
	}
	// Without the merchant's keys no shop URL can be trusted: the refusal is the answer.
	for name, q := range map[string]url.Values{
		"unknown MerchantID": {"MerchantID": {"kassa_nobody"}, "Len": {"9"}, "Data": {"14EC7A6DA0FBB3E50A84B47302443328"}},
		"Data not hex":       {"MerchantID": {s.creds.MerchantID}, "Len": {"9"}, "Data": {"XYZ"}},
		"no Len":             {"MerchantID": {s.creds.MerchantID}, "Data": {"14EC7A6DA0FBB3E50A84B47302443328"}},
	} {
		p := s.b.get(k.URL + "/sofort.aspx?" + q.Encode())
		want := map[string]string{"unknown MerchantID": "Code=20120001", "Data not hex": "Code=20010001", "no Len": "Code=20100002"}[name]
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, want) || !strings.Contains(p.Body, "Status=FAILED") {
			t.Errorf("%s: %d %s, want %s", name, p.Status, p.Body, want)
		}
	}
	if n := countIntents(t, k); n != 0 {
		t.Errorf("refused requests made %d intents", n)
	}
}

// TestPaygateNotifyOncePerTryAcrossInstances: two instances on one
// database both run notifiers; leases let only one post each try.
func TestPaygateNotifyOncePerTryAcrossInstances(t *testing.T) {
	k := start(t)
	k.peer()
	s := newPaygateShop(t, k, http.StatusBadGateway)
	payID := s.result(t, s.bank(t, s.pay(s.order("T-4004"), nil), "123456").Query())["PayID"]
	s.awaitNotifyTries(t, payID, 1)
	time.Sleep(100 * time.Millisecond) // both notifiers poll every 5ms
	k.Clock.Advance(time.Minute)
	s.awaitNotifyAnswered(t, payID)
	k.Clock.Advance(24 * time.Hour)
	time.Sleep(100 * time.Millisecond)
	if n := len(s.shop.received()); n != 2 {
		t.Errorf("%d notifies for two tries", n)
	}
}
