package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kassa/internal/shopware"
)

// swShop is a fake Shopware shop against a whole Kassa: its Admin API
// records the state transitions Kassa pushes, its storefront serves the
// page customers return to, and it signs its calls as Shopware does.
type swShop struct {
	t      *testing.T
	srv    *httptest.Server
	base   string // the account's app endpoints
	secret []byte

	mu          sync.Mutex
	transitions []string // as they arrive
	// holdFirst, when set, keeps the first state transition call open
	// until it is closed or Kassa goes away.
	holdFirst chan struct{}
}

// installShopware starts the fake shop and runs the registration
// handshake with an in-process Kassa.
func installShopware(t *testing.T, k *kassa) *swShop {
	appSecret := []byte(shopware.AppSecret(k.App.Gateway.Secrets, k.Keys.ID))
	return registerShop(t, k.URL, k.Keys.ID, appSecret, k.Clock.Now(), nil)
}

// registerShop starts the fake shop (holding its first state transition
// call open if holdFirst is set) and registers it with the Kassa at
// kassaURL as the account's app, signing with appSecret at now.
func registerShop(t *testing.T, kassaURL, accountID string, appSecret []byte, now time.Time, holdFirst chan struct{}) *swShop {
	s := &swShop{t: t, base: kassaURL + "/shopware/" + accountID, holdFirst: holdFirst}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		var c map[string]string
		json.NewDecoder(r.Body).Decode(&c)
		if c["client_id"] != "SWIAKEY" || c["client_secret"] != "api-secret" {
			http.Error(w, "bad client", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"token_type":"Bearer","expires_in":600,"access_token":"tok"}`))
	})
	mux.HandleFunc("POST /api/_action/order_transaction/{id}/state/{transition}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		s.transitions = append(s.transitions, r.PathValue("id")+" "+r.PathValue("transition"))
		first := len(s.transitions) == 1
		s.mu.Unlock()
		if first && s.holdFirst != nil {
			select {
			case <-s.holdFirst:
			case <-r.Context().Done():
				return
			}
		}
		w.Write([]byte(`{}`))
	})
	mux.HandleFunc("GET /payment/finalize-transaction", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>Shop</title><h1>Thank you</h1>"))
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)

	// Registration and confirmation, signed as Shopware signs them.
	query := "shop-id=shop1&shop-url=" + s.srv.URL + "&timestamp=" + strconv.FormatInt(now.Unix(), 10)
	status, body, _ := s.send("GET", s.base+"/registration?"+query, nil, map[string]string{shopware.HeaderAppSignature: shopware.Sign(appSecret, []byte(query))})
	var reg struct {
		Proof, Secret   string
		ConfirmationURL string `json:"confirmation_url"`
	}
	json.Unmarshal(body, &reg)
	if status != 200 || reg.Proof != shopware.Proof(appSecret, "shop1", s.srv.URL, shopware.AppName(accountID)) {
		t.Fatalf("registration: %d %s", status, body)
	}
	s.secret = []byte(reg.Secret)
	confirm := phpJSON(map[string]any{"apiKey": "SWIAKEY", "secretKey": "api-secret", "timestamp": now.Unix(), "shopUrl": s.srv.URL, "shopId": "shop1"})
	if status, body, _ := s.send("POST", reg.ConfirmationURL, confirm, map[string]string{shopware.HeaderShopSignature: shopware.Sign(s.secret, confirm)}); status != 204 {
		t.Fatalf("confirmation: %d %s", status, body)
	}
	return s
}

func phpJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return bytes.ReplaceAll(b, []byte("/"), []byte(`\/`))
}

func (s *swShop) send(method, u string, body []byte, headers map[string]string) (int, []byte, http.Header) {
	s.t.Helper()
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	for h, v := range headers {
		req.Header.Set(h, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out, res.Header
}

// swOrder is one order transaction of the shop.
type swOrder struct {
	id, method, total, currency, country string
	subscription                         string // recurring.subscriptionId, "" for none
}

func (s *swShop) returnURL(o swOrder) string {
	return s.srv.URL + "/payment/finalize-transaction?_sw_payment_token=tok-" + o.id
}

// call sends a signed payment call and checks the answer's signature.
func (s *swShop) call(path string, o swOrder, returnURL any, requestData map[string]any) map[string]string {
	s.t.Helper()
	var recurring any
	if o.subscription != "" {
		recurring = map[string]any{"subscriptionId": o.subscription, "nextSchedule": "2026-12-26T09:00:00.000+00:00"}
	}
	var data any = []any{} // PHP writes an empty array as a list
	if len(requestData) > 0 {
		data = requestData
	}
	b := phpJSON(map[string]any{
		"source": map[string]any{"url": s.srv.URL, "shopId": "shop1", "appVersion": "1.0.0"},
		"order": map[string]any{"id": "o-" + o.id, "orderNumber": "N-" + o.id, "currency": map[string]any{"isoCode": o.currency},
			"billingAddress": map[string]any{"country": map[string]any{"iso": o.country}}},
		"orderTransaction": map[string]any{"id": o.id, "amount": map[string]any{"totalPrice": json.Number(o.total)},
			"paymentMethod": map[string]any{"appPaymentMethod": map[string]any{"identifier": o.method}}},
		"returnUrl": returnURL, "requestData": data, "recurring": recurring,
	})
	status, out, h := s.send("POST", s.base+path, b, map[string]string{shopware.HeaderShopSignature: shopware.Sign(s.secret, b)})
	if status != 200 || !shopware.Verify(s.secret, out, h.Get(shopware.HeaderAppSignature)) {
		s.t.Fatalf("%s: %d %s (signature %q)", path, status, out, h.Get(shopware.HeaderAppSignature))
	}
	var ans map[string]string
	json.Unmarshal(out, &ans)
	return ans
}

// payByLateTransfer is a bank transfer order paid after finalize: pay
// sends the customer to the sandbox bank at kassaURL, they choose a bank,
// the shop finalizes while the transfer is outstanding (process), then the
// transfer arrives.
func (s *swShop) payByLateTransfer(kassaURL string, o swOrder) {
	s.t.Helper()
	pay := s.call("/pay", o, s.returnURL(o), nil)
	redirect := pay["redirectUrl"]
	if !strings.HasPrefix(redirect, kassaURL+"/sandbox/pay/") {
		s.t.Fatalf("pay answered %v", pay)
	}
	b := newBrowser(s.t)
	if p := b.post(redirect+"/transfer/bank", url.Values{"bank": {"bca"}}); p.Status != http.StatusSeeOther {
		s.t.Fatalf("choose bank: %d", p.Status)
	}
	if fin := s.call("/finalize", o, nil, nil); fin["status"] != "process" {
		s.t.Fatalf("finalize answered %v; want process", fin)
	}
	if p := b.post(redirect+"/transfer/pay", nil); p.Status != http.StatusSeeOther {
		s.t.Fatalf("transfer: %d %s", p.Status, p.Body)
	}
}

func (s *swShop) pushed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.transitions...)
}

// TestShopwareLateBankTransfer installs the app in a fake shop against a
// whole Kassa (its wiring, background pusher and all): pay by bank
// transfer, finalize while the transfer is outstanding (process), then the
// transfer arrives and Kassa moves the order transaction to paid through
// the shop's Admin API on its own.
func TestShopwareLateBankTransfer(t *testing.T) {
	k := start(t)
	s := installShopware(t, k)
	o := swOrder{id: "ot1", method: "bank_transfer_id", total: "150000.0", currency: "IDR", country: "ID"}
	s.payByLateTransfer(k.URL, o)
	eventually(t, "the paid transition in the shop", func() bool {
		got := s.pushed()
		return len(got) == 1 && got[0] == "ot1 paid"
	})
}

// TestShopwareVippsSubscriptionInBrowser is a subscription's journey in a
// real browser: the first order's pay sends the customer to the Vipps
// sandbox page, which tells them about the agreement; they approve, land
// back on the shop, finalize answers paid; the next month's recurring call
// charges the agreement with no customer at all.
func TestShopwareVippsSubscriptionInBrowser(t *testing.T) {
	k := start(t)
	s := installShopware(t, k)
	first := swOrder{id: "ot-first", method: "vipps", total: "249.0", currency: "NOK", country: "NO", subscription: "sub-1"}
	pay := s.call("/pay", first, s.returnURL(first), nil)
	if !strings.HasPrefix(pay["redirectUrl"], k.URL+"/sandbox/pay/") || pay["status"] != "" {
		t.Fatalf("pay answered %v", pay)
	}

	browser := chrome(t, "")
	err := chromedp.Do(browser,
		chromedp.Navigate(pay["redirectUrl"]),
		chromedp.SendKeys(chromedp.ID("phone"), "+47 912 34 567"),
		chromedp.Click(button("Continue")),
		chromedp.WaitVisible(chromedp.Search(`//*[contains(text(), 'Vipps agreement')]`)),
		chromedp.Click(button("Approve")),
		chromedp.WaitVisible(chromedp.Search(`//h1[normalize-space()='Thank you']`)),
	)
	if err != nil {
		html, _ := chromedp.Run(browser, chromedp.OuterHTML(chromedp.CSS("html")))
		t.Fatalf("%v\npage:\n%s", err, html)
	}
	landed, err := chromedp.Run(browser, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(landed, s.returnURL(first)) {
		t.Fatalf("the customer landed on %s; want the shop's returnUrl", landed)
	}
	// Shopware finalizes with the return query minus its token.
	u, _ := url.Parse(landed)
	data := map[string]any{}
	for key, v := range u.Query() {
		if key != "_sw_payment_token" {
			data[key] = v[0]
		}
	}
	if fin := s.call("/finalize", first, nil, data); fin["status"] != "paid" || fin["message"] != "" {
		t.Fatalf("finalize answered %v; want paid", fin)
	}

	next := swOrder{id: "ot-month-2", method: "vipps", total: "249.0", currency: "NOK", country: "NO", subscription: "sub-1"}
	if rec := s.call("/recurring", next, nil, nil); rec["status"] != "paid" || rec["redirectUrl"] != "" {
		t.Fatalf("recurring answered %v; want paid", rec)
	}
}
