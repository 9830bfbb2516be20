// Package e2e drives Kassa over HTTP with the official stripe-go client:
// in-process on a random port with a movable clock for most tests, and as
// the real binary for start-up and crash tests.
package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/app"
	"kassa/internal/clock"
	"kassa/internal/delivery"
	"kassa/internal/gateway"
	"kassa/internal/secrets"
	"kassa/internal/store/stores"
	"kassa/internal/store/testdb"
)

// kassa is a Kassa started for one test.
type kassa struct {
	t     testing.TB
	URL   string
	DB    string
	App   *app.App
	Clock *clock.Manual
	Keys  gateway.AccountKeys
	SC    *stripe.Client
	// options changed the configuration; a peer gets the same.
	options []func(*app.Config)
}

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// start runs Kassa in-process on a random port with a manual clock, a fresh
// database (a SQLite file, or with KASSA_TEST_DB=postgres a new PostgreSQL
// database) and one account; options may change its configuration.
func start(t testing.TB, options ...func(*app.Config)) *kassa {
	t.Helper()
	k := serve(t, testdb.DSN(t), clock.NewManual(t0), options...)
	k.Keys = k.account("Test Shop")
	k.SC = k.client(k.Keys.SecretKey)
	return k
}

// peer runs another in-process Kassa on k's database and clock, with its
// own connections and background loops: a second instance behind the
// same load balancer.
func (k *kassa) peer() *kassa {
	k.t.Helper()
	p := serve(k.t, k.DB, k.Clock, k.options...)
	p.Keys = k.Keys
	p.SC = p.client(p.Keys.SecretKey)
	return p
}

func serve(t testing.TB, db string, clk *clock.Manual, options ...func(*app.Config)) *kassa {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &kassa{t: t, URL: "http://" + listener.Addr().String(), DB: db, Clock: clk, options: options}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := app.Config{
		DB:            db,
		PublicURL:     k.URL,
		Clock:         k.Clock,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		TimerInterval: 5 * time.Millisecond,
		Webhooks:      delivery.Config{PollInterval: 5 * time.Millisecond, Timeout: 5 * time.Second},
		// Paygate shops in tests listen on 127.0.0.1 over plain http.
		PaygateAllowHTTP: true,
	}
	for _, option := range options {
		option(&cfg)
	}
	if stores.IsPostgres(cfg.DB) {
		if cfg.SecretsKey, err = secrets.ParseKey(testSecretsKey); err != nil {
			t.Fatal(err)
		}
	}
	k.App, err = app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	k.App.RunBackground(ctx)
	srv := httptest.NewUnstartedServer(k.App.Handler)
	srv.Listener.Close()
	srv.Listener = listener
	srv.Start()
	t.Cleanup(func() {
		cancel()
		srv.Close()
		k.App.Close()
	})
	return k
}

func (k *kassa) account(name string) gateway.AccountKeys {
	keys, err := k.App.Gateway.CreateAccount(context.Background(), name)
	if err != nil {
		k.t.Fatal(err)
	}
	return keys
}

// client is the official stripe-go client pointed at Kassa, unchanged but
// for its URL. Retries are off so each test sees Kassa's first answer.
func (k *kassa) client(key string) *stripe.Client {
	return stripeClient(k.URL, key)
}

func stripeClient(baseURL, key string) *stripe.Client {
	cfg := &stripe.BackendConfig{
		URL:               stripe.String(baseURL),
		MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	return stripe.NewClient(key, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))
}

// response is a raw HTTP answer with its JSON body decoded.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// errorCode, errorParam and errorType read Stripe's error envelope.
func (r response) errorField(name string) string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e[name].(string)
	return s
}

// call sends a raw request: form-encoded unless contentType says otherwise.
func (k *kassa) call(method, path, key, body string, headers ...string) response {
	k.t.Helper()
	req, err := http.NewRequest(method, k.URL+path, strings.NewReader(body))
	if err != nil {
		k.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		k.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, &out.Body); err != nil {
		k.t.Fatalf("%s %s: body is not JSON (%d): %s", method, path, resp.StatusCode, raw)
	}
	return out
}

// stripeError unwraps the client's error.
func stripeError(t *testing.T, err error) *stripe.Error {
	t.Helper()
	se, ok := err.(*stripe.Error)
	if !ok {
		t.Fatalf("want a *stripe.Error, got %T: %v", err, err)
	}
	return se
}

// eventually polls cond until it holds or a generous deadline passes (for
// the background timer loop, which runs every few milliseconds).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventuallyWithin(t, 10*time.Second, what, cond)
}

// eventuallyWithin is eventually with a longer or shorter wait.
func eventuallyWithin(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// browser follows the sandbox pages like a customer's browser, without
// following redirects so a test sees where each one goes.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	return &browser{t: t, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a fetched page: status, body, and the Location of a redirect.
type page struct {
	Status   int
	Body     string
	Location string
}

func (b *browser) get(u string) page {
	b.t.Helper()
	resp, err := b.client.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

func (b *browser) post(u string, form url.Values) page {
	b.t.Helper()
	resp, err := b.client.PostForm(u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) page {
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Body: string(body), Location: resp.Header.Get("Location")}
}
