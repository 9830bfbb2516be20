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

	"kassa/internal/shopware"
)

// TestShopwareLateBankTransfer installs the app in a fake shop against a
// whole Kassa (its wiring, background pusher and all): pay by bank
// transfer, finalize while the transfer is outstanding (process), then the
// transfer arrives and Kassa moves the order transaction to paid through
// the shop's Admin API on its own.
func TestShopwareLateBankTransfer(t *testing.T) {
	k := start(t)
	var mu sync.Mutex
	var transitions []string
	admin := http.NewServeMux()
	admin.HandleFunc("POST /api/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		var c map[string]string
		json.NewDecoder(r.Body).Decode(&c)
		if c["client_id"] != "SWIAKEY" || c["client_secret"] != "api-secret" {
			http.Error(w, "bad client", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"token_type":"Bearer","expires_in":600,"access_token":"tok"}`))
	})
	admin.HandleFunc("POST /api/_action/order_transaction/{id}/state/{transition}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		transitions = append(transitions, r.PathValue("id")+" "+r.PathValue("transition"))
		mu.Unlock()
		w.Write([]byte(`{}`))
	})
	shopSrv := httptest.NewServer(admin)
	t.Cleanup(shopSrv.Close)

	base := k.URL + "/shopware/" + k.Keys.ID
	appSecret := []byte(shopware.AppSecret(k.App.Gateway.Secrets, k.Keys.ID))
	send := func(method, u string, body []byte, headers map[string]string) (int, []byte, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, u, bytes.NewReader(body))
		for h, v := range headers {
			req.Header.Set(h, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, out, res.Header
	}
	phpJSON := func(v any) []byte {
		b, _ := json.Marshal(v)
		return bytes.ReplaceAll(b, []byte("/"), []byte(`\/`))
	}

	// Registration and confirmation, signed as Shopware signs them.
	query := "shop-id=shop1&shop-url=" + shopSrv.URL + "&timestamp=" + strconv.FormatInt(k.Clock.Now().Unix(), 10)
	status, body, _ := send("GET", base+"/registration?"+query, nil, map[string]string{shopware.HeaderAppSignature: shopware.Sign(appSecret, []byte(query))})
	var reg struct {
		Proof, Secret   string
		ConfirmationURL string `json:"confirmation_url"`
	}
	json.Unmarshal(body, &reg)
	if status != 200 || reg.Proof != shopware.Proof(appSecret, "shop1", shopSrv.URL, shopware.AppName(k.Keys.ID)) {
		t.Fatalf("registration: %d %s", status, body)
	}
	secret := []byte(reg.Secret)
	confirm := phpJSON(map[string]any{"apiKey": "SWIAKEY", "secretKey": "api-secret", "timestamp": k.Clock.Now().Unix(), "shopUrl": shopSrv.URL, "shopId": "shop1"})
	if status, body, _ := send("POST", reg.ConfirmationURL, confirm, map[string]string{shopware.HeaderShopSignature: shopware.Sign(secret, confirm)}); status != 204 {
		t.Fatalf("confirmation: %d %s", status, body)
	}

	call := func(path string, returnURL any) map[string]string {
		t.Helper()
		b := phpJSON(map[string]any{
			"source": map[string]any{"url": shopSrv.URL, "shopId": "shop1", "appVersion": "1.0.0"},
			"order": map[string]any{"id": "o1", "orderNumber": "10001", "currency": map[string]any{"isoCode": "IDR"},
				"billingAddress": map[string]any{"country": map[string]any{"iso": "ID"}}},
			"orderTransaction": map[string]any{"id": "ot1", "amount": map[string]any{"totalPrice": json.Number("150000.0")},
				"paymentMethod": map[string]any{"appPaymentMethod": map[string]any{"identifier": "bank_transfer_id"}}},
			"returnUrl": returnURL, "requestData": map[string]any{},
		})
		status, out, h := send("POST", base+path, b, map[string]string{shopware.HeaderShopSignature: shopware.Sign(secret, b)})
		if status != 200 || !shopware.Verify(secret, out, h.Get(shopware.HeaderAppSignature)) {
			t.Fatalf("%s: %d %s (signature %q)", path, status, out, h.Get(shopware.HeaderAppSignature))
		}
		var ans map[string]string
		json.Unmarshal(out, &ans)
		return ans
	}
	pay := call("/pay", shopSrv.URL+"/payment/finalize-transaction?_sw_payment_token=abc")
	redirect := pay["redirectUrl"]
	if !strings.HasPrefix(redirect, k.URL+"/sandbox/pay/") {
		t.Fatalf("pay answered %v", pay)
	}
	b := newBrowser(t)
	if p := b.post(redirect+"/transfer/bank", url.Values{"bank": {"bca"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("choose bank: %d", p.Status)
	}
	if fin := call("/finalize", nil); fin["status"] != "process" {
		t.Fatalf("finalize answered %v; want process", fin)
	}
	if p := b.post(redirect+"/transfer/pay", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("transfer: %d %s", p.Status, p.Body)
	}
	eventually(t, "the paid transition in the shop", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(transitions) == 1 && transitions[0] == "ot1 paid"
	})
}
