package checkoutpage

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kassa/internal/checkout"
	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/money"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
)

// env is a real gateway on a temporary SQLite store behind the checkout
// and sandbox pages.
type env struct {
	t       *testing.T
	gw      *gateway.Gateway
	clock   *clock.Manual
	srv     *httptest.Server
	client  *http.Client
	account gateway.AccountKeys
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := testdb.Open(t)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	gw := &gateway.Gateway{Store: st, Acquirer: &sandbox.Acquirer{PublicURL: srv.URL}, Clock: clk, PublicURL: srv.URL}
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	(&Pages{Gateway: gw, Logger: logger}).Register(mux)
	(&sandbox.Pages{Gateway: gw, Logger: logger}).Register(mux)
	keys, err := gw.CreateAccount(ctx, "Acme Shop")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, gw: gw, clock: clk, srv: srv, client: client, account: keys}
}

// session creates a session of one line item.
func (e *env) session(currency string, unit int64, locale string) *checkout.Session {
	e.t.Helper()
	var s *checkout.Session
	err := e.gw.Store.Write(context.Background(), func(tx store.Tx) error {
		var err error
		in := gateway.CreateSessionInput{LineItems: []gateway.SessionItem{{Quantity: 2, PriceData: &gateway.InlinePrice{
			PriceInput:  checkout.PriceInput{Currency: money.Currency(currency), UnitAmount: unit},
			ProductData: &checkout.ProductInput{Name: "Widget <b>deluxe</b>"},
		}}}}
		in.SuccessURL, in.CancelURL, in.Locale = "https://shop.example/ok?s={CHECKOUT_SESSION_ID}", "https://shop.example/cart", locale
		s, err = e.gw.CreateCheckoutSession(context.Background(), tx, &gateway.Caller{AccountID: e.account.ID}, in)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(req *http.Request) response {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(body)}
}

func (e *env) get(path string, headers ...string) response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(req)
}

func (e *env) pay(s *checkout.Session, form url.Values, headers ...string) response {
	e.t.Helper()
	form.Set("key", s.PageKey)
	req, _ := http.NewRequest("POST", e.srv.URL+gateway.CheckoutPagePath+s.ID, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(req)
}

func pagePath(s *checkout.Session) string {
	return gateway.CheckoutPagePath + s.ID + "?key=" + s.PageKey
}

func (e *env) intent(s *checkout.Session) *payments.PaymentIntent {
	e.t.Helper()
	var pi *payments.PaymentIntent
	err := e.gw.Store.Read(context.Background(), func(r store.Reader) error {
		var err error
		pi, err = r.Intent(context.Background(), s.AccountID, s.PaymentIntentID)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return pi
}

var styleBlock = regexp.MustCompile(`(?s)<style>(.*)</style>`)

// TestPageIsSelfContained: every page is HTML with its CSS inlined and
// allowed by hash, no scripts, nothing loaded from elsewhere, and the
// headers that keep it private.
func TestPageIsSelfContained(t *testing.T) {
	e := newEnv(t)
	s := e.session("eur", 1250, "")
	for _, path := range []string{pagePath(s), gateway.CheckoutPagePath + s.ID + "?key=wrong"} {
		r := e.get(path)
		css := styleBlock.FindStringSubmatch(r.body)
		if len(css) != 2 {
			t.Fatalf("%s: no inline style", path)
		}
		sum := sha256.Sum256([]byte(css[1]))
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for _, banned := range []string{"<script", " src=", "<link", "<img", "<iframe", "style=\""} {
			if strings.Contains(r.body, banned) {
				t.Errorf("%s: the page contains %q", path, banned)
			}
		}
		for h, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"} {
			if r.header.Get(h) != want {
				t.Errorf("%s: %s is %q", path, h, r.header.Get(h))
			}
		}
	}
	// html/template escapes what merchants send.
	if r := e.get(pagePath(s)); !strings.Contains(r.body, "Widget &lt;b&gt;deluxe&lt;/b&gt;") || strings.Contains(r.body, "<b>deluxe") {
		t.Error("a product name was not escaped")
	}
}

func TestPageSpeaksTheCustomersLanguage(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		locale, accept, lang, total, heading string
	}{
		{"", "", "en", "€25.00", "How would you like to pay?"},
		{"de", "fr", "de", "25,00\u00a0€", "Wie möchten Sie bezahlen?"},
		{"", "fr-BE,fr;q=0.8", "fr", "25,00\u00a0€", "Comment souhaitez-vous payer ?"},
		{"auto", "it-IT", "it", "25,00\u00a0€", "Come desideri pagare?"},
		{"ja", "nl, en;q=0.5", "en", "€25.00", "How would you like to pay?"},
	}
	for _, tt := range tests {
		s := e.session("eur", 1250, tt.locale)
		r := e.get(pagePath(s), "Accept-Language", tt.accept)
		if r.status != 200 || !strings.Contains(r.body, `<html lang="`+tt.lang+`">`) || r.header.Get("Content-Language") != tt.lang ||
			!strings.Contains(r.body, tt.total) || !strings.Contains(r.body, tt.heading) {
			t.Errorf("locale %q, Accept-Language %q: %d, lang %s\n%s", tt.locale, tt.accept, r.status, r.header.Get("Content-Language"), r.body)
		}
	}
	// The switcher's choice wins and stays in the form.
	s := e.session("eur", 1250, "de")
	r := e.get(pagePath(s)+"&lang=it", "Accept-Language", "fr")
	if !strings.Contains(r.body, `<html lang="it">`) || !strings.Contains(r.body, `<input type="hidden" name="lang" value="it">`) ||
		!strings.Contains(r.body, `aria-current="true">Italiano`) {
		t.Errorf("switcher: %s", r.body)
	}
}

func TestUnknownSessionsAndWrongKeysAreNotFound(t *testing.T) {
	e := newEnv(t)
	s := e.session("eur", 1250, "")
	for _, path := range []string{
		gateway.CheckoutPagePath + s.ID + "?key=" + strings.ToUpper(s.PageKey),
		gateway.CheckoutPagePath + s.ID,
		gateway.CheckoutPagePath + "cs_doesnotexist?key=" + s.PageKey,
		gateway.CheckoutPagePath + "pi_123?key=x",
		gateway.CheckoutReturnPath + s.ID + "?key=wrong",
	} {
		if r := e.get(path, "Accept-Language", "de"); r.status != 404 || !strings.Contains(r.body, "Zahlungsseite nicht gefunden") {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	if r := e.pay(&checkout.Session{ID: s.ID, PageKey: "wrong"}, url.Values{"method": {"sofort"}, "country": {"DE"}}); r.status != 404 {
		t.Errorf("paying with a wrong key: %d", r.status)
	}
	if pi := e.intent(s); pi.Status != payments.RequiresPaymentMethod {
		t.Errorf("a refused request changed the intent: %s", pi.Status)
	}
}

func TestCrossSiteFormPostsAreRefused(t *testing.T) {
	e := newEnv(t)
	s := e.session("eur", 1250, "")
	r := e.pay(s, url.Values{"method": {"sofort"}, "country": {"DE"}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "Request refused") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if pi := e.intent(s); pi.Status != payments.RequiresPaymentMethod {
		t.Errorf("a cross-site post changed the intent: %s", pi.Status)
	}
}

// TestFormErrorsAreShownBesideTheField: a refused choice re-shows the page
// (422) with the reason next to the field, and changes nothing.
func TestFormErrorsAreShownBesideTheField(t *testing.T) {
	e := newEnv(t)
	s := e.session("eur", 1250, "fr")
	tests := []struct {
		form    url.Values
		message string
		invalid bool
	}{
		{url.Values{"method": {"sofort"}}, "Choisissez votre pays de facturation.", true},
		{url.Values{"method": {"sofort"}, "country": {"FR"}}, "Sofort n’est pas disponible pour ce pays (FR).", true},
		{url.Values{"method": {"sofort"}, "country": {"NO"}}, "Sofort n’est pas disponible pour ce pays (Norvège).", true},
		{url.Values{"method": {"vipps"}}, "Choisissez l’un des moyens de paiement proposés.", false},
	}
	for _, tt := range tests {
		r := e.pay(s, tt.form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tt.message) ||
			strings.Contains(r.body, `aria-invalid="true"`) != tt.invalid {
			t.Errorf("%v: %d\n%s", tt.form, r.status, r.body)
		}
	}
	if pi := e.intent(s); pi.Status != payments.RequiresPaymentMethod || pi.PaymentMethodID != "" {
		t.Errorf("refused forms changed the intent: %+v", pi)
	}
}

// TestPayingAgainResumesOrReplacesTheAttempt: the same choice goes back to
// the attempt in progress; another ends it (a failed charge) and starts anew.
func TestPayingAgainResumesOrReplacesTheAttempt(t *testing.T) {
	e := newEnv(t)
	s := e.session("eur", 1250, "")
	first := e.pay(s, url.Values{"method": {"sofort"}, "country": {"DE"}})
	again := e.pay(s, url.Values{"method": {"sofort"}, "country": {"DE"}})
	if first.status != 303 || !strings.HasPrefix(first.header.Get("Location"), e.srv.URL+sandbox.PathPrefix) ||
		again.header.Get("Location") != first.header.Get("Location") {
		t.Fatalf("first %d %s, again %s", first.status, first.header.Get("Location"), again.header.Get("Location"))
	}
	// The page meanwhile offers the way back to the attempt.
	if r := e.get(pagePath(s)); !strings.Contains(r.body, "A payment with Sofort has already been started.") ||
		!strings.Contains(r.body, first.header.Get("Location")) {
		t.Errorf("page during the attempt: %s", r.body)
	}
	other := e.pay(s, url.Values{"method": {"sofort"}, "country": {"AT"}})
	if other.status != 303 || other.header.Get("Location") == first.header.Get("Location") {
		t.Fatalf("another country: %d %s", other.status, other.header.Get("Location"))
	}
	pi := e.intent(s)
	if pi.Status != payments.RequiresAction || pi.LatestChargeID == "" {
		t.Fatalf("intent %+v", pi)
	}
	// The old attempt's page is gone.
	if r := e.get(strings.TrimPrefix(first.header.Get("Location"), e.srv.URL)); r.status != 404 {
		t.Errorf("the replaced attempt's page: %d", r.status)
	}
}

// TestReturnRoute: back from the acquirer, a failure returns to the page
// (which explains it) and a success goes on to success_url.
func TestReturnRoute(t *testing.T) {
	e := newEnv(t)
	s := e.session("nok", 4900, "de")
	back := gateway.CheckoutReturnPath + s.ID + "?key=" + s.PageKey
	if r := e.get(back); r.status != 303 || r.header.Get("Location") != pagePath(s) {
		t.Fatalf("before paying: %d %s", r.status, r.header.Get("Location"))
	}
	e.pay(s, url.Values{"method": {"vipps"}})
	if _, err := e.gw.FinishAttempt(context.Background(), e.intent(s).Pending.Attempt, gateway.OutcomeDecline, "no"); err != nil {
		t.Fatal(err)
	}
	if r := e.get(back); r.status != 303 || r.header.Get("Location") != pagePath(s) {
		t.Fatalf("after a failure: %d %s", r.status, r.header.Get("Location"))
	}
	if r := e.get(pagePath(s)); !strings.Contains(r.body, "Die Zahlung wurde nicht abgeschlossen: Sie wurde abgelehnt oder abgebrochen.") {
		t.Errorf("the page does not explain the failure: %s", r.body)
	}
	e.pay(s, url.Values{"method": {"vipps"}})
	if _, err := e.gw.FinishAttempt(context.Background(), e.intent(s).Pending.Attempt, gateway.OutcomeAuthorize, ""); err != nil {
		t.Fatal(err)
	}
	r := e.get(back)
	if r.status != 200 || !strings.Contains(r.body, `<meta http-equiv="refresh" content="0; url=https://shop.example/ok?s=`+s.ID+`">`) ||
		!strings.Contains(r.body, "Vielen Dank für Ihre Zahlung") {
		t.Fatalf("after paying: %d %s", r.status, r.body)
	}
	// Paying a completed session shows the outcome instead.
	if r := e.pay(s, url.Values{"method": {"vipps"}}); r.status != 303 || r.header.Get("Location") != pagePath(s) {
		t.Fatalf("paying again: %d %s", r.status, r.header.Get("Location"))
	}
}

// TestOutcomePages covers every state a session can be in, including the
// delayed-payment states no sandbox method reaches today.
func TestOutcomePages(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		state  checkout.State
		status int
		texts  []string
	}{
		{checkout.StatePaid, 200, []string{"Thank you for your payment", "Your payment of €25.00 to Acme Shop is complete.", "https://shop.example/ok?s="}},
		{checkout.StateAwaitingPayment, 200, []string{"Your payment is being processed", "Acme Shop will confirm it when the money arrives."}},
		{checkout.StatePaymentFailed, 200, []string{"The payment failed", "Please contact Acme Shop.", "https://shop.example/cart"}},
		{checkout.StateExpired, 410, []string{"This checkout has expired", "no money was taken", "Return to Acme Shop"}},
	}
	for _, tt := range tests {
		s := e.session("eur", 1250, "")
		err := e.gw.Store.Write(context.Background(), func(tx store.Tx) error {
			s.State = tt.state
			return tx.UpdateCheckoutSession(context.Background(), s)
		})
		if err != nil {
			t.Fatal(err)
		}
		r := e.get(pagePath(s))
		for _, text := range tt.texts {
			if !strings.Contains(r.body, text) {
				t.Errorf("%s: %q missing", tt.state, text)
			}
		}
		if r.status != tt.status || strings.Contains(r.body, "<form") || !strings.Contains(r.header.Get("Content-Security-Policy"), "form-action 'none'") {
			t.Errorf("%s: %d, a form or a permissive form-action", tt.state, r.status)
		}
	}
}

// TestAnOverduePageExpiresTheSession: the page does not wait for the timer.
func TestAnOverduePageExpiresTheSession(t *testing.T) {
	e := newEnv(t)
	s := e.session("eur", 1250, "")
	e.clock.Advance(checkout.DefaultLifetime)
	if r := e.get(pagePath(s)); r.status != http.StatusGone {
		t.Fatalf("%d", r.status)
	}
	if pi := e.intent(s); pi.Status != payments.Canceled {
		t.Fatalf("intent %s", pi.Status)
	}
}
