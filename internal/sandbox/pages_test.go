package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
)

const shopReturn = "https://shop.example/return"

// env is a real gateway on a fresh store (KASSA_TEST_DB picks which) behind the pages.
type env struct {
	t       *testing.T
	gw      *gateway.Gateway
	clock   *clock.Manual
	srv     *httptest.Server
	client  *http.Client
	account gateway.AccountKeys
	logs    *lockedBuffer
}

// lockedBuffer collects the pages' logs (written from server goroutines).
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
	ctx := context.Background()
	st := testdb.Open(t)
	clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	mux := http.NewServeMux()
	logs := &lockedBuffer{}
	pages := &Pages{Logger: slog.New(slog.NewTextHandler(io.MultiWriter(logs, t.Output()), nil))}
	pages.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	gw := &gateway.Gateway{Store: st, Acquirer: &Acquirer{PublicURL: srv.URL}, Clock: clk}
	pages.Gateway = gw
	keys, err := gw.CreateAccount(ctx, "Acme Shop")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return &env{t: t, gw: gw, clock: clk, srv: srv, client: client, account: keys, logs: logs}
}

// create makes an intent that waits for the customer on a sandbox page.
func (e *env) create(in gateway.CreateIntentInput) *payments.PaymentIntent {
	e.t.Helper()
	if in.ReturnURL == "" {
		in.ReturnURL = shopReturn
	}
	in.Confirm = true
	var pi *payments.PaymentIntent
	err := e.gw.Store.Write(context.Background(), func(tx store.Tx) error {
		var err error
		pi, err = e.gw.CreateIntent(context.Background(), tx, &gateway.Caller{AccountID: e.account.ID}, in)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if pi.Status != payments.RequiresAction || pi.Pending == nil {
		e.t.Fatalf("intent is %s, want requires_action with a pending attempt", pi.Status)
	}
	if !strings.HasPrefix(pi.Pending.RedirectURL, e.srv.URL+PathPrefix+"att_") {
		e.t.Fatalf("redirect URL %q is not a sandbox page of the test server", pi.Pending.RedirectURL)
	}
	return pi
}

func intentInput(method methods.Type, amount int64, currency, country string) gateway.CreateIntentInput {
	return gateway.CreateIntentInput{
		IntentInput: payments.IntentInput{Amount: amount, Currency: money.Currency(currency)},
		Method: gateway.MethodChoice{Data: &gateway.PaymentMethodInput{
			Type:           method,
			BillingDetails: payments.BillingDetails{Address: payments.Address{Country: country}},
		}},
	}
}

func (e *env) sofort(country string) *payments.PaymentIntent {
	return e.create(intentInput(methods.Sofort, 2000, "eur", country))
}

func (e *env) transfer() *payments.PaymentIntent {
	return e.create(intentInput(methods.BankTransferID, 15_000_000, "idr", "ID"))
}

func (e *env) vipps(reference string) *payments.PaymentIntent {
	in := intentInput(methods.Vipps, 24900, "nok", "NO")
	in.VippsReference = reference
	return e.create(in)
}

// reload reads the intent as the merchant would.
func (e *env) reload(pi *payments.PaymentIntent) *payments.PaymentIntent {
	e.t.Helper()
	var out *payments.PaymentIntent
	err := e.gw.Store.Read(context.Background(), func(r store.Reader) error {
		var err error
		out, err = r.Intent(context.Background(), e.account.ID, pi.ID)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// page is a response with its body read.
type page struct {
	status int
	header http.Header
	body   string
}

func (p page) location(t *testing.T) *url.URL {
	t.Helper()
	loc := p.header.Get("Location")
	if loc == "" {
		t.Fatalf("no Location header (status %d)", p.status)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *env) do(req *http.Request) page {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	p := page{status: resp.StatusCode, header: resp.Header, body: string(b)}
	checkHeaders(e.t, p)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") && p.status < 300 || p.status >= 400 {
		checkHTML(e.t, p)
	}
	return p
}

func (e *env) get(rawURL string) page {
	e.t.Helper()
	if strings.HasPrefix(rawURL, "/") {
		rawURL = e.srv.URL + rawURL
	}
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(req)
}

func (e *env) post(path string, form url.Values) page {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// submit posts the page's form whose action ends in actionSuffix, as a
// browser would: its hidden fields plus what the customer entered.
func (e *env) submit(p page, actionSuffix string, entered url.Values) page {
	e.t.Helper()
	for _, f := range forms(p.body) {
		if !strings.HasSuffix(f.action, actionSuffix) {
			continue
		}
		if f.method != "post" {
			e.t.Fatalf("form %s has method %q, want post", f.action, f.method)
		}
		values := url.Values{}
		for k, v := range f.hidden {
			values[k] = append([]string(nil), v...)
		}
		for k, v := range entered {
			values[k] = v
		}
		return e.post(f.action, values)
	}
	e.t.Fatalf("no form posting to …%s on the page (status %d):\n%s", actionSuffix, p.status, p.body)
	return page{}
}

// follow GETs a redirect to one of the pages.
func (e *env) follow(p page) page {
	e.t.Helper()
	if p.status != http.StatusSeeOther {
		e.t.Fatalf("status %d, want 303:\n%s", p.status, p.body)
	}
	return e.get(p.location(e.t).String())
}

type form struct {
	action, method string
	hidden         url.Values
	radios         map[string][]string
}

var (
	formRE  = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	inputRE = regexp.MustCompile(`<input\b[^>]*>`)
	attrRE  = regexp.MustCompile(`([a-zA-Z-]+)(?:="([^"]*)")?`)
)

func attrs(tag string) map[string]string {
	out := map[string]string{}
	tag = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(tag, "<input"), "<form"), ">")
	for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return out
}

func forms(body string) []form {
	var out []form
	for _, m := range formRE.FindAllStringSubmatch(body, -1) {
		a := attrs(m[1])
		f := form{action: a["action"], method: a["method"], hidden: url.Values{}, radios: map[string][]string{}}
		for _, in := range inputRE.FindAllString(m[2], -1) {
			ia := attrs(in)
			switch ia["type"] {
			case "hidden":
				f.hidden.Add(ia["name"], ia["value"])
			case "radio":
				f.radios[ia["name"]] = append(f.radios[ia["name"]], ia["value"])
			}
		}
		out = append(out, f)
	}
	return out
}

// checkHeaders: nothing is cached, and pages allow no scripts.
func checkHeaders(t *testing.T, p page) {
	t.Helper()
	if got := p.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store (status %d)", got, p.status)
	}
	if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") || p.status/100 == 3 {
		return
	}
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action "} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows scripts or unsafe sources", csp)
	}
}

var (
	styleRE    = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	labelForRE = regexp.MustCompile(`<label for="([^"]+)"`)
)

// checkHTML: the basics every page must have, and labels bound to inputs.
func checkHTML(t *testing.T, p page) {
	t.Helper()
	for _, want := range []string{`<html lang="en">`, `<meta name="viewport"`, "<h1>", "</html>"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(p.body, "<script") {
		t.Error("page has a script")
	}
	// The inline style sheet is the one the CSP allows by hash.
	if m := styleRE.FindStringSubmatch(p.body); m == nil {
		t.Error("page has no style sheet")
	} else {
		sum := sha256.Sum256([]byte(m[1]))
		hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !strings.Contains(p.header.Get("Content-Security-Policy"), hash) {
			t.Errorf("CSP does not allow the page's style sheet %s", hash)
		}
	}
	labels := map[string]bool{}
	for _, m := range labelForRE.FindAllStringSubmatch(p.body, -1) {
		labels[m[1]] = true
		if !strings.Contains(p.body, `id="`+m[1]+`"`) {
			t.Errorf("label for %q has no input", m[1])
		}
	}
	for _, in := range inputRE.FindAllString(p.body, -1) {
		a := attrs(in)
		if a["type"] != "hidden" && !labels[a["id"]] {
			t.Errorf("input %s has no label", in)
		}
	}
}

// assertContains looks for text as the customer reads it (entities decoded).
func assertContains(t *testing.T, p page, wants ...string) {
	t.Helper()
	text := html.UnescapeString(p.body)
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("page (status %d) lacks %q:\n%s", p.status, w, p.body)
		}
	}
}

// assertReturned checks the 303 back to the merchant's return_url.
func assertReturned(t *testing.T, p page, pi *payments.PaymentIntent, returnURL, redirectStatus string) url.Values {
	t.Helper()
	if p.status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303 to the return_url:\n%s", p.status, p.body)
	}
	got := p.location(t)
	want, _ := url.Parse(returnURL)
	if got.Scheme != want.Scheme || got.Host != want.Host || got.Path != want.Path {
		t.Errorf("redirected to %s, want the return_url %s", got, returnURL)
	}
	q := got.Query()
	for k, v := range map[string]string{
		"payment_intent":               pi.ID,
		"payment_intent_client_secret": pi.ClientSecret,
		"redirect_status":              redirectStatus,
	} {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	return q
}

// assertUnchanged: a rejected form changed nothing.
func assertUnchanged(t *testing.T, e *env, before *payments.PaymentIntent) {
	t.Helper()
	after := e.reload(before)
	if after.Status != payments.RequiresAction || after.Pending == nil || after.Pending.Attempt != before.Pending.Attempt {
		t.Fatalf("intent changed: status %s, pending %+v", after.Status, after.Pending)
	}
	if after.LastPaymentError != nil || after.LatestChargeID != "" {
		t.Errorf("intent has a failed attempt: %+v", after.LastPaymentError)
	}
	if after.Pending.Phone != before.Pending.Phone {
		t.Errorf("phone changed to %q", after.Pending.Phone)
	}
	if va := after.Pending.VirtualAccount; va != nil && before.Pending.VirtualAccount != nil && va.Bank != before.Pending.VirtualAccount.Bank {
		t.Errorf("bank changed to %q", va.Bank)
	}
}

func assertFailed(t *testing.T, e *env, pi *payments.PaymentIntent, code, message string) {
	t.Helper()
	got := e.reload(pi)
	if got.Status != payments.RequiresPaymentMethod {
		t.Fatalf("intent is %s, want requires_payment_method", got.Status)
	}
	if got.LastPaymentError == nil || got.LastPaymentError.Code != code {
		t.Fatalf("last_payment_error = %+v, want code %s", got.LastPaymentError, code)
	}
	if message != "" && got.LastPaymentError.Message != message {
		t.Errorf("last_payment_error.message = %q, want %q", got.LastPaymentError.Message, message)
	}
}

func assertStatus(t *testing.T, e *env, pi *payments.PaymentIntent, want payments.Status) {
	t.Helper()
	if got := e.reload(pi).Status; got != want {
		t.Fatalf("intent is %s, want %s", got, want)
	}
}

// sofortToTAN walks a Sofort payment to the TAN page.
func sofortToTAN(t *testing.T, e *env, pi *payments.PaymentIntent, bank, user, pin string) page {
	t.Helper()
	start := e.get(pi.Pending.RedirectURL)
	if start.status != http.StatusOK {
		t.Fatalf("GET page: status %d:\n%s", start.status, start.body)
	}
	login := e.submit(start, "/sofort/bank", url.Values{"bank": {bank}})
	if login.status != http.StatusOK {
		t.Fatalf("choose bank: status %d:\n%s", login.status, login.body)
	}
	tan := e.submit(login, "/sofort/login", url.Values{"user": {user}, "pin": {pin}})
	if tan.status != http.StatusOK {
		t.Fatalf("log in: status %d:\n%s", tan.status, tan.body)
	}
	return tan
}

func TestSofort(t *testing.T) {
	tests := []struct {
		name       string
		tan        string
		wantStatus payments.Status
		redirect   string
		failure    string
	}{
		{"correct TAN", CorrectTAN, payments.Succeeded, "succeeded", ""},
		{"correct TAN with spaces around", "  " + CorrectTAN + " ", payments.Succeeded, "succeeded", ""},
		{"wrong TAN", "654321", payments.RequiresPaymentMethod, "failed", "The TAN was wrong."},
		{"TAN with a typo", "1234567", payments.RequiresPaymentMethod, "failed", "The TAN was wrong."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pi := e.sofort("DE")

			start := e.get(pi.Pending.RedirectURL)
			if start.status != http.StatusOK {
				t.Fatalf("status %d:\n%s", start.status, start.body)
			}
			assertContains(t, start, "Acme Shop", "20.00 EUR", "Choose your bank", "Banks in Germany",
				"Sandbox Sparkasse", "Sandbox Volksbank", "Sandbox Deutsche Bank", "Cancel payment")

			login := e.submit(start, "/sofort/bank", url.Values{"bank": {"sandbox_volksbank"}})
			if login.status != http.StatusOK {
				t.Fatalf("status %d:\n%s", login.status, login.body)
			}
			assertContains(t, login, "Log in to Sandbox Volksbank", "Acme Shop", "20.00 EUR",
				"any non-empty account number or user ID and any non-empty PIN are accepted", "Cancel payment")

			tanPage := e.submit(login, "/sofort/login", url.Values{"user": {"DE-4711"}, "pin": {"s3cr3t-pin"}})
			if tanPage.status != http.StatusOK {
				t.Fatalf("status %d:\n%s", tanPage.status, tanPage.body)
			}
			assertContains(t, tanPage, "Sandbox: the correct TAN is 123456; any other TAN fails the payment",
				"Sandbox Volksbank", "DE-4711", "Acme Shop", "20.00 EUR", "Cancel payment")
			if strings.Contains(tanPage.body, "s3cr3t-pin") || strings.Contains(tanPage.body, `name="pin"`) {
				t.Error("the TAN page carries the PIN")
			}
			f := forms(tanPage.body)[0]
			if f.hidden.Get("bank") != "sandbox_volksbank" || f.hidden.Get("user") != "DE-4711" {
				t.Errorf("TAN form carries %v, want the bank and the user", f.hidden)
			}
			if got := e.reload(pi).Pending; got == nil || got.OpenedAt.IsZero() {
				t.Errorf("opening the page was not recorded: %+v", got)
			}

			done := e.submit(tanPage, "/sofort/tan", url.Values{"tan": {tt.tan}})
			assertReturned(t, done, pi, shopReturn, tt.redirect)
			if tt.failure != "" {
				assertFailed(t, e, pi, payments.CodeAuthFailure, tt.failure)
			} else {
				assertStatus(t, e, pi, tt.wantStatus)
			}

			// The attempt is over: its page is gone.
			again := e.get(pi.Pending.RedirectURL)
			if again.status != http.StatusNotFound {
				t.Errorf("page after the outcome: status %d, want 404", again.status)
			}
			assertContains(t, again, "This payment page is no longer valid")
		})
	}
}

func TestSofortBanksFollowBillingCountry(t *testing.T) {
	for country, banks := range sofortBanks {
		t.Run(country, func(t *testing.T) {
			e := newEnv(t)
			pi := e.sofort(country)
			p := e.get(pi.Pending.RedirectURL)
			f := forms(p.body)[0]
			var want []string
			for _, b := range banks {
				want = append(want, b.Code)
			}
			if strings.Join(f.radios["bank"], ",") != strings.Join(want, ",") {
				t.Errorf("banks offered %v, want %v", f.radios["bank"], want)
			}
		})
	}
}

func TestSofortRejectsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		path    string // step posted to
		form    url.Values
		wantErr string
		page    string // the step shown again
	}{
		{"no bank", "sofort/bank", url.Values{}, "Choose one of the banks listed.", "Choose your bank"},
		{"bank of another country", "sofort/bank", url.Values{"bank": {"sandbox_erste"}}, "That bank is not available here.", "Choose your bank"},
		{"made-up bank", "sofort/bank", url.Values{"bank": {"<b>evil</b>"}}, "That bank is not available here.", "Choose your bank"},
		{"login without user", "sofort/login", url.Values{"bank": {"sandbox_sparkasse"}, "pin": {"1"}}, "Enter your account number or user ID.", "Log in to Sandbox Sparkasse"},
		{"login with blank user", "sofort/login", url.Values{"bank": {"sandbox_sparkasse"}, "user": {"   "}, "pin": {"1"}}, "Enter your account number or user ID.", "Log in to Sandbox Sparkasse"},
		{"login with overlong user", "sofort/login", url.Values{"bank": {"sandbox_sparkasse"}, "user": {strings.Repeat("x", 65)}, "pin": {"1"}}, "at most 64 characters", "Log in to Sandbox Sparkasse"},
		{"login without PIN", "sofort/login", url.Values{"bank": {"sandbox_sparkasse"}, "user": {"me"}}, "Enter your PIN.", "Log in to Sandbox Sparkasse"},
		{"login with tampered bank", "sofort/login", url.Values{"bank": {"sandbox_ing"}, "user": {"me"}, "pin": {"1"}}, "That bank is not available here.", "Choose your bank"},
		{"empty TAN", "sofort/tan", url.Values{"bank": {"sandbox_sparkasse"}, "user": {"me"}, "tan": {" "}}, "Enter the TAN.", "Confirm with your TAN"},
		{"TAN without bank", "sofort/tan", url.Values{"user": {"me"}, "tan": {CorrectTAN}}, "Choose one of the banks listed.", "Choose your bank"},
		{"TAN without user", "sofort/tan", url.Values{"bank": {"sandbox_sparkasse"}, "tan": {CorrectTAN}}, "Enter your account number or user ID.", "Log in to Sandbox Sparkasse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pi := e.sofort("DE")
			e.get(pi.Pending.RedirectURL)
			before := e.reload(pi)
			p := e.post(PathPrefix+pi.Pending.Attempt+"/"+tt.path, tt.form)
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422:\n%s", p.status, p.body)
			}
			assertContains(t, p, tt.wantErr, "<h1>"+tt.page+"</h1>", `role="alert"`, "Acme Shop", "20.00 EUR", "Cancel payment")
			if strings.Contains(p.body, "<b>evil</b>") {
				t.Error("input echoed unescaped")
			}
			assertUnchanged(t, e, before)
		})
	}
}

func TestBankTransfer(t *testing.T) {
	e := newEnv(t)
	pi := e.transfer()

	start := e.get(pi.Pending.RedirectURL)
	if start.status != http.StatusOK {
		t.Fatalf("status %d:\n%s", start.status, start.body)
	}
	assertContains(t, start, "Acme Shop", "150000.00 IDR", "Choose your bank", "Bank Central Asia (BCA)", "Bank Mandiri", "Cancel payment")

	// A bank that is not offered changes nothing.
	before := e.reload(pi)
	bad := e.submit(start, "/transfer/bank", url.Values{"bank": {"sandbox_sparkasse"}})
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown bank: status %d, want 422", bad.status)
	}
	assertContains(t, bad, "That bank is not available here.", "Bank Central Asia (BCA)")
	assertUnchanged(t, e, before)
	if e.reload(pi).Pending.VirtualAccount.Bank != "" {
		t.Fatal("a bank was chosen by a rejected form")
	}

	chosen := e.submit(start, "/transfer/bank", url.Values{"bank": {"bca"}})
	if chosen.status != http.StatusSeeOther || chosen.location(t).Path != PathPrefix+pi.Pending.Attempt {
		t.Fatalf("choose bank: status %d to %q, want 303 to the page", chosen.status, chosen.header.Get("Location"))
	}
	va := e.reload(pi).Pending.VirtualAccount
	if va.Bank != "bca" || !strings.HasPrefix(va.Number, "39010") || len(va.Number) != 16 {
		t.Fatalf("virtual account %+v, want a BCA number with prefix 39010", va)
	}
	account := e.follow(chosen)
	if account.status != http.StatusOK {
		t.Fatalf("status %d:\n%s", account.status, account.body)
	}
	expires := pi.Pending.VirtualAccount.ExpiresAt
	assertContains(t, account, "Bank Central Asia (BCA)", va.Number, "150000.00 IDR", "Acme Shop",
		"Tue 3 Mar 2026, 09:00 UTC", "Tue 3 Mar 2026, 16:00 WIB (UTC+7)", expires.UTC().Format(time.RFC3339),
		"Transfer now (sandbox)", "Cancel payment")

	// Choosing again (a double submit) keeps the issued account.
	again := e.post(PathPrefix+pi.Pending.Attempt+"/transfer/bank", url.Values{"bank": {"bni"}})
	if again.status != http.StatusSeeOther {
		t.Fatalf("second choice: status %d, want 303", again.status)
	}
	if got := e.reload(pi).Pending.VirtualAccount; *got != *va {
		t.Errorf("virtual account changed to %+v", got)
	}

	done := e.submit(account, "/transfer/pay", nil)
	assertReturned(t, done, pi, shopReturn, "succeeded")
	assertStatus(t, e, pi, payments.Succeeded)
}

func TestBankTransferNeedsABankBeforePaying(t *testing.T) {
	e := newEnv(t)
	pi := e.transfer()
	e.get(pi.Pending.RedirectURL)
	before := e.reload(pi)
	p := e.post(PathPrefix+pi.Pending.Attempt+"/transfer/pay", nil)
	if p.status != http.StatusSeeOther || p.location(t).Path != PathPrefix+pi.Pending.Attempt {
		t.Fatalf("status %d to %q, want 303 back to the page", p.status, p.header.Get("Location"))
	}
	assertUnchanged(t, e, before)
}

func TestBankTransferExpiry(t *testing.T) {
	tests := []struct {
		name       string
		chooseBank bool
		act        func(e *env, pi *payments.PaymentIntent) page
	}{
		{"page opened after expiry", false, func(e *env, pi *payments.PaymentIntent) page { return e.get(pi.Pending.RedirectURL) }},
		{"account page opened after expiry", true, func(e *env, pi *payments.PaymentIntent) page { return e.get(pi.Pending.RedirectURL) }},
		{"transfer after expiry", true, func(e *env, pi *payments.PaymentIntent) page {
			return e.post(PathPrefix+pi.Pending.Attempt+"/transfer/pay", nil)
		}},
		{"bank chosen after expiry", false, func(e *env, pi *payments.PaymentIntent) page {
			return e.post(PathPrefix+pi.Pending.Attempt+"/transfer/bank", url.Values{"bank": {"bri"}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pi := e.transfer()
			start := e.get(pi.Pending.RedirectURL)
			if tt.chooseBank {
				e.submit(start, "/transfer/bank", url.Values{"bank": {"mandiri"}})
			}
			e.clock.Advance(24*time.Hour + time.Second)

			p := tt.act(e, pi)
			if p.status != http.StatusGone {
				t.Fatalf("status %d, want 410:\n%s", p.status, p.body)
			}
			assertContains(t, p, "This payment has expired", "ran out", "Acme Shop", "150000.00 IDR",
				"The virtual account expired before the transfer arrived.")
			assertExpiredLink(t, p, pi, shopReturn)
			assertFailed(t, e, pi, payments.CodeAttemptExpired, "")
		})
	}
}

var linkRE = regexp.MustCompile(`<a [^>]*href="([^"]+)"`)

// assertExpiredLink: the expired page links back to the merchant with
// redirect_status=failed.
func assertExpiredLink(t *testing.T, p page, pi *payments.PaymentIntent, returnURL string) url.Values {
	t.Helper()
	m := linkRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("expired page has no link back:\n%s", p.body)
	}
	back := page{status: http.StatusSeeOther, header: http.Header{"Location": {html.UnescapeString(m[1])}}}
	return assertReturned(t, back, pi, returnURL, "failed")
}

func TestVipps(t *testing.T) {
	tests := []struct {
		name      string
		reference string
		button    string
		redirect  string
		status    payments.Status
		failure   string
	}{
		{"approve", "order-42", "/vipps/approve", "succeeded", payments.Succeeded, ""},
		{"approve without a reference shows the intent id", "", "/vipps/approve", "succeeded", payments.Succeeded, ""},
		{"reject", "order-43", "/vipps/reject", "failed", payments.RequiresPaymentMethod, "The customer rejected the payment in Vipps."},
		{"cancel", "order-44", "/cancel", "failed", payments.RequiresPaymentMethod, "The customer canceled the payment."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pi := e.vipps(tt.reference)

			start := e.get(pi.Pending.RedirectURL)
			if start.status != http.StatusOK {
				t.Fatalf("status %d:\n%s", start.status, start.body)
			}
			assertContains(t, start, "Acme Shop", "249.00 NOK", "Mobile number", "Cancel payment")
			if opened := e.reload(pi).Pending; opened.OpenedAt.IsZero() || !opened.ApproveBy.Equal(e.clock.Now().Add(5*time.Minute)) {
				t.Fatalf("GET did not open the attempt: %+v", opened)
			}

			identified := e.submit(start, "/vipps/phone", url.Values{"phone": {"0047 912 34 567"}})
			if identified.status != http.StatusSeeOther {
				t.Fatalf("status %d:\n%s", identified.status, identified.body)
			}
			if got := e.reload(pi).Pending.Phone; got != "+4791234567" {
				t.Fatalf("phone recorded as %q", got)
			}
			approve := e.follow(identified)
			reference := tt.reference
			if reference == "" {
				reference = pi.ID
			}
			assertContains(t, approve, "Approve the payment in Vipps", "+47 912 34 567", "Acme Shop", "249.00 NOK",
				reference, ">Approve</button>", ">Reject</button>", "Cancel payment")

			e.clock.Advance(4 * time.Minute)
			done := e.submit(approve, tt.button, nil)
			assertReturned(t, done, pi, shopReturn, tt.redirect)
			if tt.failure != "" {
				assertFailed(t, e, pi, payments.CodeAuthFailure, tt.failure)
			} else {
				assertStatus(t, e, pi, tt.status)
			}
		})
	}
}

func TestVippsManualCaptureSucceeds(t *testing.T) {
	e := newEnv(t)
	in := intentInput(methods.Vipps, 5000, "nok", "NO")
	in.CaptureMethod = payments.CaptureManual
	pi := e.create(in)
	start := e.get(pi.Pending.RedirectURL)
	approve := e.follow(e.submit(start, "/vipps/phone", url.Values{"phone": {"41234567"}}))
	done := e.submit(approve, "/vipps/approve", nil)
	assertReturned(t, done, pi, shopReturn, "succeeded")
	assertStatus(t, e, pi, payments.RequiresCapture)
}

func TestVippsRejectsInvalidPhone(t *testing.T) {
	for _, phone := range []string{"", "   ", "81234567", "9123456", "912345678", "+46 912 34 567",
		"+47 812 34 567", "91-23-45-67", "phone", "+4791234567x", "004791234", "<script>"} {
		t.Run(phone, func(t *testing.T) {
			e := newEnv(t)
			pi := e.vipps("")
			start := e.get(pi.Pending.RedirectURL)
			before := e.reload(pi)
			p := e.submit(start, "/vipps/phone", url.Values{"phone": {phone}})
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422:\n%s", p.status, p.body)
			}
			assertContains(t, p, `role="alert"`, `aria-invalid="true"`, "Mobile number", "Acme Shop", "249.00 NOK")
			if strings.Contains(p.body, "<script>") {
				t.Error("input echoed unescaped")
			}
			assertUnchanged(t, e, before)
		})
	}
}

func TestNormalizeNorwegianMobile(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"91234567", "+4791234567", true},
		{"41234567", "+4741234567", true},
		{"912 34 567", "+4791234567", true},
		{" +47 912 34 567 ", "+4791234567", true},
		{"+4791234567", "+4791234567", true},
		{"0047 91234567", "+4791234567", true},
		{"4791234567", "+4791234567", true},
		{"47 41 23 45 67", "+4741234567", true},
		{"47123456", "+4747123456", true}, // 8 digits: a number starting with 47
		{"81234567", "", false},
		{"+47 81234567", "", false},
		{"9123456", "", false},
		{"912345678", "", false},
		{"+4691234567", "", false},
		{"0046 91234567", "", false},
		{"+47", "", false},
		{"", "", false},
		{"9123456a", "", false},
		{"91-23-45-67", "", false},
		{"٩١٢٣٤٥٦٧", "", false}, // non-ASCII digits
	}
	for _, tt := range tests {
		got, ok := NormalizeNorwegianMobile(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeNorwegianMobile(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestVippsWindows(t *testing.T) {
	t.Run("not opened within five minutes", func(t *testing.T) {
		e := newEnv(t)
		pi := e.vipps("")
		e.clock.Advance(5 * time.Minute)
		p := e.get(pi.Pending.RedirectURL)
		if p.status != http.StatusGone {
			t.Fatalf("status %d, want 410:\n%s", p.status, p.body)
		}
		assertContains(t, p, "This payment has expired", "The customer did not open the payment page in time.", "Acme Shop", "249.00 NOK")
		assertExpiredLink(t, p, pi, shopReturn)
		assertFailed(t, e, pi, payments.CodeAttemptExpired, "")
	})
	t.Run("opened late but in time", func(t *testing.T) {
		e := newEnv(t)
		pi := e.vipps("")
		e.clock.Advance(5*time.Minute - time.Second)
		start := e.get(pi.Pending.RedirectURL)
		if start.status != http.StatusOK {
			t.Fatalf("status %d:\n%s", start.status, start.body)
		}
		approve := e.follow(e.submit(start, "/vipps/phone", url.Values{"phone": {"91234567"}}))
		e.clock.Advance(5*time.Minute - time.Second) // the approval window started at opening
		assertReturned(t, e.submit(approve, "/vipps/approve", nil), pi, shopReturn, "succeeded")
		assertStatus(t, e, pi, payments.Succeeded)
	})
	for _, tt := range []struct {
		name   string
		button string
	}{{"approved after the approval window", "/vipps/approve"}, {"rejected after the approval window", "/vipps/reject"}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pi := e.vipps("")
			e.clock.Advance(time.Minute)
			start := e.get(pi.Pending.RedirectURL)
			approve := e.follow(e.submit(start, "/vipps/phone", url.Values{"phone": {"91234567"}}))
			e.clock.Advance(5 * time.Minute)
			p := e.submit(approve, tt.button, nil)
			if p.status != http.StatusGone {
				t.Fatalf("status %d, want 410:\n%s", p.status, p.body)
			}
			assertContains(t, p, "This payment has expired", "The customer did not approve the payment in time.")
			assertExpiredLink(t, p, pi, shopReturn)
			assertFailed(t, e, pi, payments.CodeAttemptExpired, "")
		})
	}
	t.Run("reloading does not restart the window", func(t *testing.T) {
		e := newEnv(t)
		pi := e.vipps("")
		e.get(pi.Pending.RedirectURL)
		e.clock.Advance(3 * time.Minute)
		if p := e.get(pi.Pending.RedirectURL); p.status != http.StatusOK {
			t.Fatalf("reload: status %d", p.status)
		}
		e.clock.Advance(2 * time.Minute)
		if p := e.get(pi.Pending.RedirectURL); p.status != http.StatusGone {
			t.Fatalf("five minutes after the first opening: status %d, want 410", p.status)
		}
	})
}

func TestReturnURLKeepsItsQuery(t *testing.T) {
	const returnURL = "https://shop.example/checkout/return?order=42&lang=de&tag=a&tag=b#done"
	tests := []struct {
		name     string
		tan      string
		redirect string
	}{{"succeeded", CorrectTAN, "succeeded"}, {"failed", "000000", "failed"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			in := intentInput(methods.Sofort, 2000, "eur", "AT")
			in.ReturnURL = returnURL
			pi := e.create(in)
			tanPage := sofortToTAN(t, e, pi, "sandbox_erste", "me", "1234")
			done := e.submit(tanPage, "/sofort/tan", url.Values{"tan": {tt.tan}})
			q := assertReturned(t, done, pi, returnURL, tt.redirect)
			if q.Get("order") != "42" || q.Get("lang") != "de" || strings.Join(q["tag"], ",") != "a,b" {
				t.Errorf("return_url's own query lost: %v", q)
			}
			if frag := done.location(t).Fragment; frag != "done" {
				t.Errorf("fragment = %q, want done", frag)
			}
		})
	}
}

func TestReturnURL(t *testing.T) {
	pi := &payments.PaymentIntent{ID: "pi_1", ClientSecret: "pi_1_secret_x", Status: payments.RequiresCapture}
	got, err := ReturnURL("https://shop.example/r?redirect_status=stale&a=1", pi)
	if err != nil {
		t.Fatal(err)
	}
	want := "https://shop.example/r?a=1&payment_intent=pi_1&payment_intent_client_secret=pi_1_secret_x&redirect_status=succeeded"
	if got != want {
		t.Errorf("ReturnURL = %s, want %s", got, want)
	}
	for _, bad := range []string{"", "/relative", "javascript:alert(1)", "://x"} {
		if _, err := ReturnURL(bad, pi); err == nil {
			t.Errorf("ReturnURL(%q) accepted", bad)
		}
	}
}

func TestUnknownAttempt(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path string
	}{
		{"unknown attempt", http.MethodGet, PathPrefix + "att_doesNotExist0123456789"},
		{"malformed attempt", http.MethodGet, PathPrefix + "pi_123"},
		{"cancel of unknown attempt", http.MethodPost, PathPrefix + "att_doesNotExist0123456789/cancel"},
		{"TAN for unknown attempt", http.MethodPost, PathPrefix + "att_doesNotExist0123456789/sofort/tan"},
		{"approval for unknown attempt", http.MethodPost, PathPrefix + "att_doesNotExist0123456789/vipps/approve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p page
			if tt.method == http.MethodGet {
				p = e.get(tt.path)
			} else {
				p = e.post(tt.path, url.Values{"tan": {CorrectTAN}})
			}
			if p.status != http.StatusNotFound {
				t.Fatalf("status %d, want 404:\n%s", p.status, p.body)
			}
			assertContains(t, p, "This payment page is no longer valid")
		})
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name   string
		create func(*env) *payments.PaymentIntent
		// walk goes some steps in before canceling
		walk func(*env, *payments.PaymentIntent) page
	}{
		{"sofort bank choice", (*env).sofortDE, func(e *env, pi *payments.PaymentIntent) page { return e.get(pi.Pending.RedirectURL) }},
		{"sofort TAN page", (*env).sofortDE, func(e *env, pi *payments.PaymentIntent) page {
			return sofortToTAN(e.t, e, pi, "sandbox_deutsche", "me", "1")
		}},
		{"bank transfer bank choice", (*env).transfer, func(e *env, pi *payments.PaymentIntent) page { return e.get(pi.Pending.RedirectURL) }},
		{"virtual account", (*env).transfer, func(e *env, pi *payments.PaymentIntent) page {
			start := e.get(pi.Pending.RedirectURL)
			return e.follow(e.submit(start, "/transfer/bank", url.Values{"bank": {"permata"}}))
		}},
		{"vipps phone", (*env).vippsNoRef, func(e *env, pi *payments.PaymentIntent) page { return e.get(pi.Pending.RedirectURL) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pi := tt.create(e)
			p := tt.walk(e, pi)
			done := e.submit(p, "/cancel", nil)
			assertReturned(t, done, pi, shopReturn, "failed")
			assertFailed(t, e, pi, payments.CodeAuthFailure, "The customer canceled the payment.")
		})
	}
}

func (e *env) sofortDE() *payments.PaymentIntent   { return e.sofort("DE") }
func (e *env) vippsNoRef() *payments.PaymentIntent { return e.vipps("") }

func TestPostsOutOfStepChangeNothing(t *testing.T) {
	tests := []struct {
		name   string
		create func(*env) *payments.PaymentIntent
		step   string
		form   url.Values
	}{
		{"vipps approval on a sofort payment", (*env).sofortDE, "vipps/approve", nil},
		{"transfer on a vipps payment", (*env).vippsNoRef, "transfer/pay", nil},
		{"TAN on a bank transfer", (*env).transfer, "sofort/tan", url.Values{"bank": {"bca"}, "user": {"x"}, "tan": {CorrectTAN}}},
		{"vipps approval before the phone number", (*env).vippsNoRef, "vipps/approve", nil},
		{"vipps rejection before the phone number", (*env).vippsNoRef, "vipps/reject", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pi := tt.create(e)
			e.get(pi.Pending.RedirectURL)
			before := e.reload(pi)
			p := e.post(PathPrefix+pi.Pending.Attempt+"/"+tt.step, tt.form)
			if p.status != http.StatusSeeOther || p.location(t).Path != PathPrefix+pi.Pending.Attempt {
				t.Fatalf("status %d to %q, want 303 back to the page", p.status, p.header.Get("Location"))
			}
			assertUnchanged(t, e, before)
		})
	}
}

func TestStepAddressesRedirectToThePage(t *testing.T) {
	e := newEnv(t)
	pi := e.sofort("DE")
	p := e.get(PathPrefix + pi.Pending.Attempt + "/sofort/tan")
	if p.status != http.StatusSeeOther || p.location(t).Path != PathPrefix+pi.Pending.Attempt {
		t.Fatalf("status %d to %q, want 303 to the page", p.status, p.header.Get("Location"))
	}
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	e := newEnv(t)
	pi := e.sofort("DE")
	e.get(pi.Pending.RedirectURL)
	before := e.reload(pi)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+PathPrefix+pi.Pending.Attempt+"/cancel", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	p := e.do(req)
	if p.status != http.StatusForbidden {
		t.Fatalf("status %d, want 403", p.status)
	}
	assertUnchanged(t, e, before)
}

func TestFormsMayRedirectToTheMerchant(t *testing.T) {
	e := newEnv(t)
	in := intentInput(methods.Sofort, 2000, "eur", "DE")
	in.ReturnURL = "https://shop.example:8443/return"
	pi := e.create(in)
	p := e.get(pi.Pending.RedirectURL)
	csp := p.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' https://shop.example:8443;") {
		t.Errorf("CSP %q does not let the forms' 303s reach the merchant", csp)
	}
	for _, h := range []string{"X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"} {
		if p.header.Get(h) == "" {
			t.Errorf("%s not set", h)
		}
	}
}

func TestInternalErrorsAreLogged(t *testing.T) {
	e := newEnv(t)
	pi := e.sofort("DE")
	if err := e.gw.Store.Close(); err != nil {
		t.Fatal(err)
	}
	p := e.get(pi.Pending.RedirectURL)
	if p.status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500:\n%s", p.status, p.body)
	}
	assertContains(t, p, "Something went wrong")
	logs := e.logs.String()
	if !strings.Contains(logs, "sandbox page failed") {
		t.Errorf("error not logged: %q", logs)
	}
	if strings.Contains(logs, pi.Pending.Attempt) {
		t.Errorf("the attempt id (the customer's credential) was logged: %q", logs)
	}
}
