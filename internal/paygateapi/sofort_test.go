package paygateapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/paygate"
	"kassa/internal/sandbox"
	"kassa/internal/secrets"
	"kassa/internal/store/testdb"
)

type fixture struct {
	gw     *gateway.Gateway
	acct   string
	srv    *httptest.Server
	creds  gateway.PaygateCredentials
	cipher *paygate.Cipher
}

func setup(t *testing.T, allowHTTP bool) *fixture {
	t.Helper()
	box, _ := secrets.NewBox(bytes.Repeat([]byte{3}, secrets.KeySize))
	gw := &gateway.Gateway{Store: testdb.Open(t), Clock: clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), Secrets: box,
		Acquirer: &sandbox.Acquirer{PublicURL: "http://kassa.example"}, PublicURL: "http://kassa.example"}
	keys, err := gw.CreateAccount(context.Background(), "Shop")
	if err != nil {
		t.Fatal(err)
	}
	creds, err := gw.CreatePaygateCredentials(context.Background(), keys.ID, paygate.Blowfish, false)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	(&Server{Gateway: gw, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AllowHTTP: allowHTTP}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, _ := paygate.NewCipher(paygate.Blowfish, []byte(creds.EncryptionKey))
	return &fixture{gw: gw, acct: keys.ID, srv: srv, creds: creds, cipher: c}
}

func (f *fixture) order(base string) string {
	mac := paygate.RequestMAC([]byte(f.creds.HMACKey), "", "T-1", f.creds.MerchantID, "1999", "EUR")
	return strings.Join([]string{"MerchantID=" + f.creds.MerchantID, "TransID=T-1", "Amount=1999", "Currency=EUR",
		"OrderDesc=Order", "AccOwner=Max Muster", "AddrCountryCode=DE", "URLSuccess=" + base + "/ok",
		"URLFailure=" + base + "/fail", "URLNotify=" + base + "/notify", "MAC=" + mac}, "&")
}

func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestStrictURLsRefuseHTTP: with the sandbox setting off, only https on
// 443 passes; an http URLFailure cannot take the refusal, so it is the answer.
func TestStrictURLsRefuseHTTP(t *testing.T) {
	f := setup(t, false)
	data, n := f.cipher.Encrypt(f.order("http://shop.example"))
	q := url.Values{"MerchantID": {f.creds.MerchantID}, "Len": {strconv.Itoa(n)}, "Data": {data}}
	resp, err := noRedirects().Get(f.srv.URL + "/sofort.aspx?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "Code=20160015") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}

	// https on 443 passes, by POST with keys in any case.
	data, n = f.cipher.Encrypt(f.order("https://shop.example"))
	resp, err = noRedirects().PostForm(f.srv.URL+"/sofort.aspx", url.Values{"merchantid": {f.creds.MerchantID}, "LEN": {strconv.Itoa(n)}, "data": {strings.ToLower(data)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "http://kassa.example/sandbox/pay/") {
		t.Fatalf("%d → %q", resp.StatusCode, loc)
	}
}

func TestOuterFieldsGivenTwiceAreRefused(t *testing.T) {
	f := setup(t, true)
	resp, err := noRedirects().Get(f.srv.URL + "/sofort.aspx?MerchantID=a&merchantID=b&Len=1&Data=00")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "Code=20170001") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}
