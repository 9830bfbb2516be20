package shopwareapp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/sandbox"
	"kassa/internal/secrets"
	"kassa/internal/shopware"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
)

// env is Kassa (the app endpoints and the sandbox pages) on a fresh store,
// with one account whose app shops install.
type env struct {
	t         *testing.T
	st        store.Store
	gw        *gateway.Gateway
	clock     *clock.Manual
	srv       *httptest.Server
	box       *secrets.Box
	account   string
	appSecret []byte
	logs      *lockedBuffer
	pusher    *Pusher
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := testdb.Open(t)
	clk := clock.NewManual(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	box, err := secrets.NewBox(bytes.Repeat([]byte{3}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(logs, t.Output()), nil))
	gw := &gateway.Gateway{Store: st, Acquirer: &sandbox.Acquirer{PublicURL: srv.URL}, Clock: clk, Secrets: box, PublicURL: srv.URL}
	(&sandbox.Pages{Gateway: gw, Logger: logger}).Register(mux)
	server := &Server{Store: st, Gateway: gw, Secrets: box, Clock: clk, Logger: logger, PublicURL: srv.URL}
	server.Register(mux)
	gw.IntentSettled = server.IntentSettled
	gw.RefundSettled = server.RefundSettled
	keys, err := gw.CreateAccount(context.Background(), "Shop GmbH")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, gw: gw, clock: clk, srv: srv, box: box, account: keys.ID,
		appSecret: []byte(shopware.AppSecret(box, keys.ID)), logs: logs,
		pusher: &Pusher{Store: st, Secrets: box, Clock: clk, Logger: logger}}
}

func (e *env) url(path string) string {
	return e.srv.URL + "/shopware/" + e.account + path
}

// phpJSON encodes v the way PHP's json_encode does by default: no HTML
// escaping of < > &, but every "/" written as "\/".
func phpJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("/"), []byte(`\/`))
}

// response is an answer as Shopware receives it.
type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, body}
}

// fakeShop plays a Shopware shop: it registers, keeps the secret Kassa gave
// it, and signs what it sends like Shopware does.
type fakeShop struct {
	e              *env
	id, url        string
	secret         string
	apiKey, apiSec string
}

func (e *env) newShop(id string) *fakeShop {
	return &fakeShop{e: e, id: id, url: "https://" + id + ".example", apiKey: "SWIAKASSA" + id, apiSec: "api-secret-" + id}
}

// registrationQuery is the query Shopware sends, as Guzzle writes it
// (':' and '/' unescaped).
func (s *fakeShop) registrationQuery() string {
	return "shop-id=" + s.id + "&shop-url=" + s.url + "&timestamp=" + strconv.FormatInt(s.e.clock.Now().Unix(), 10)
}

// register sends step 1 signed with appSecret (and, when previous is not
// empty, with the shop's current secret) and returns Kassa's answer.
func (s *fakeShop) register(query string, appSecret []byte, previous string) response {
	req, _ := http.NewRequest(http.MethodGet, s.e.url("/registration")+"?"+query, nil)
	req.Header.Set(shopware.HeaderAppSignature, shopware.Sign(appSecret, []byte(query)))
	if previous != "" {
		req.Header.Set(shopware.HeaderShopSignature, shopware.Sign([]byte(previous), []byte(query)))
	}
	req.Header.Set("sw-version", "6.7.1.0")
	return do(s.e.t, req)
}

// registration is Kassa's answer to step 1.
type registration struct {
	Proof           string `json:"proof"`
	Secret          string `json:"secret"`
	ConfirmationURL string `json:"confirmation_url"`
}

// confirm posts step 3 signed with secret (and previous, on re-registration).
func (s *fakeShop) confirm(confirmationURL, secret, previous string) response {
	return s.send(confirmationURL, s.confirmation(), secret, previous)
}

// confirmation is the confirmation body as Shopware's PHP writes it now.
func (s *fakeShop) confirmation() []byte {
	return phpJSON(s.e.t, map[string]any{
		"apiKey": s.apiKey, "secretKey": s.apiSec, "timestamp": s.e.clock.Now().Unix(),
		"shopUrl": s.url, "shopId": s.id,
	})
}

// send posts a confirmation body signed with secret (and previous).
func (s *fakeShop) send(confirmationURL string, body []byte, secret, previous string) response {
	req, _ := http.NewRequest(http.MethodPost, confirmationURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(shopware.HeaderShopSignature, shopware.Sign([]byte(secret), body))
	if previous != "" {
		req.Header.Set(shopware.HeaderShopSignaturePrevious, shopware.Sign([]byte(previous), body))
	}
	return do(s.e.t, req)
}

// install runs the whole handshake and checks every step like Shopware.
func (s *fakeShop) install() {
	t := s.e.t
	t.Helper()
	res := s.register(s.registrationQuery(), s.e.appSecret, s.secret)
	if res.status != http.StatusOK {
		t.Fatalf("registration: %d %s", res.status, res.body)
	}
	var reg registration
	if err := json.Unmarshal(res.body, &reg); err != nil {
		t.Fatal(err)
	}
	want := shopware.Sign(s.e.appSecret, []byte(s.id+s.url+shopware.AppName(s.e.account)))
	if reg.Proof != want {
		t.Fatalf("proof %s; want %s", reg.Proof, want)
	}
	if len(reg.Secret) < 64 || reg.Secret == s.secret {
		t.Fatalf("shop secret %q: want a new one of 64+ characters", reg.Secret)
	}
	if reg.ConfirmationURL != s.e.url("/confirmation") {
		t.Fatalf("confirmation_url %q", reg.ConfirmationURL)
	}
	if res := s.confirm(reg.ConfirmationURL, reg.Secret, s.secret); res.status != http.StatusNoContent {
		t.Fatalf("confirmation: %d %s", res.status, res.body)
	}
	s.secret = reg.Secret
}

// post sends a signed payment call like Shopware and checks the answer's
// signature, as Shopware does before it reads it.
func (s *fakeShop) post(path string, body []byte) response {
	t := s.e.t
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.e.url(path), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(shopware.HeaderShopSignature, shopware.Sign([]byte(s.secret), body))
	req.Header.Set("sw-version", "6.7.1.0")
	req.Header.Set("sw-context-language", "2fbb5fe2e29a4d70aa5854ce7ce3e20b")
	req.Header.Set("sw-user-language", "en-GB")
	res := do(t, req)
	if res.status == http.StatusOK && !shopware.Verify([]byte(s.secret), res.body, res.header.Get(shopware.HeaderAppSignature)) {
		t.Fatalf("%s: the answer's shopware-app-signature does not verify: %q over %s", path, res.header.Get(shopware.HeaderAppSignature), res.body)
	}
	return res
}

func (e *env) shop(id string) *shopware.Shop {
	e.t.Helper()
	var shop *shopware.Shop
	err := e.st.Read(context.Background(), func(r store.Reader) error {
		var err error
		shop, err = r.ShopwareShop(context.Background(), e.account, id)
		return err
	})
	if err != nil {
		e.t.Fatalf("shop %s: %v", id, err)
	}
	return shop
}

func (e *env) open(shop *shopware.Shop, sealed []byte, field string) string {
	e.t.Helper()
	plain, err := e.box.Open(sealed, shop.SealContext(field))
	if err != nil {
		e.t.Fatalf("open %s: %v", field, err)
	}
	return string(plain)
}

func TestPHPJSONEscapesSlashes(t *testing.T) {
	got := string(phpJSON(t, map[string]any{"shopUrl": "https://a.example/x", "n": 1}))
	if got != `{"n":1,"shopUrl":"https:\/\/a.example\/x"}` {
		t.Errorf("phpJSON = %s", got)
	}
}

func errorOf(t *testing.T, res response) string {
	t.Helper()
	var e struct{ Error string }
	if err := json.Unmarshal(res.body, &e); err != nil || e.Error == "" {
		t.Fatalf("error body %q: want {\"error\": ...}", res.body)
	}
	return strings.ToLower(e.Error)
}

type storeReader = store.Reader

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
