package sandbox

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Pages serves the customer's side of sandbox attempts: the bank, virtual
// account and wallet pages a redirect_to_url points at. Every step goes
// through the gateway, which checks the attempt and its deadlines; the pages
// only validate form input and choose what to show.
//
// Routes (attempt is the unguessable att_... id, so the URL is the
// customer's only credential):
//
//	GET  /sandbox/pay/{attempt}                 the current step of the flow
//	POST /sandbox/pay/{attempt}/sofort/bank     bank → login page
//	POST /sandbox/pay/{attempt}/sofort/login    bank, user, pin → TAN page
//	POST /sandbox/pay/{attempt}/sofort/tan      bank, user, tan → return_url
//	POST /sandbox/pay/{attempt}/transfer/bank   bank → virtual account issued, 303 to the page
//	POST /sandbox/pay/{attempt}/transfer/pay    simulate the transfer → return_url
//	POST /sandbox/pay/{attempt}/vipps/phone     phone → payer identified, 303 to the page
//	POST /sandbox/pay/{attempt}/vipps/approve   → return_url
//	POST /sandbox/pay/{attempt}/vipps/reject    → return_url
//	POST /sandbox/pay/{attempt}/cancel          decline → return_url
//	GET  /sandbox/pay/{attempt}/...             303 to the page (a reloaded or bookmarked step)
//
// A POST that does not fit the attempt's flow or its current step (an old
// tab, a double submit) changes nothing and answers 303 to the page, which
// shows the step the customer is really at.
type Pages struct {
	Gateway *gateway.Gateway
	Logger  *slog.Logger
}

// Register adds the pages to mux. State-changing requests are guarded by
// net/http's cross-origin protection (Sec-Fetch-Site / Origin).
func (p *Pages) Register(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetCommonHeaders(w)
		p.message(w, r, http.StatusForbidden, pageData{
			Title:      "Request refused",
			Paragraphs: []string{"This request came from another website, so it was refused. Go back to the payment page and try again."},
		})
	}))
	handle := func(pattern string, h func(http.ResponseWriter, *http.Request)) {
		mux.Handle(pattern, cop.Handler(http.HandlerFunc(h)))
	}
	base := PathPrefix + "{attempt}"
	handle("GET "+base, p.show)
	handle("GET "+base+"/{step...}", p.toPage)
	handle("POST "+base+"/cancel", p.cancel)
	handle("POST "+base+"/sofort/bank", p.sofortBank)
	handle("POST "+base+"/sofort/login", p.sofortLogin)
	handle("POST "+base+"/sofort/tan", p.sofortTAN)
	handle("POST "+base+"/transfer/bank", p.transferBank)
	handle("POST "+base+"/transfer/pay", p.transferPay)
	handle("POST "+base+"/vipps/phone", p.vippsPhone)
	handle("POST "+base+"/vipps/approve", p.vippsApprove)
	handle("POST "+base+"/vipps/reject", p.vippsReject)
}

// Reasons recorded on declined attempts (the intent's last_payment_error).
const (
	reasonWrongTAN     = "The TAN was wrong."
	reasonVippsRejects = "The customer rejected the payment in Vipps."
	// reasonCanceled is the message of an attempt the customer abandoned
	// with the page's cancel button (gateway.OutcomeCancel marks it).
	reasonCanceled = "The customer canceled the payment."
)

// request is one page request for a pending attempt, with the attempt as
// it stood when the request began.
type request struct {
	w       http.ResponseWriter
	r       *http.Request
	attempt string
	view    gateway.AttemptView
	method  methods.Method
}

func (rq *request) pending() *payments.Pending { return rq.view.Intent.Pending }

func (rq *request) path(step string) string {
	p := PathPrefix + rq.attempt
	if step != "" {
		p += "/" + step
	}
	return p
}

// toPage sends the customer back to the attempt's page.
func (rq *request) toPage() {
	http.Redirect(rq.w, rq.r, rq.path(""), http.StatusSeeOther)
}

// load starts a request: headers, the attempt id, and the attempt's view.
// It has answered the request itself when ok is false.
func (p *Pages) load(w http.ResponseWriter, r *http.Request) (*request, bool) {
	SetCommonHeaders(w)
	attempt := r.PathValue("attempt")
	if !validAttemptID(attempt) {
		p.stale(w, r)
		return nil, false
	}
	view, err := p.Gateway.Attempt(r.Context(), attempt)
	if err != nil {
		p.fail(w, r, attempt, view.Intent, err)
		return nil, false
	}
	pi := view.Intent
	if pi == nil || pi.Pending == nil || pi.Pending.Attempt != attempt {
		p.stale(w, r)
		return nil, false
	}
	method, ok := methods.Lookup(pi.Pending.Method)
	if !ok {
		p.internal(w, r, attempt, errors.New("sandbox: unknown payment method "+string(pi.Pending.Method)))
		return nil, false
	}
	return &request{w: w, r: r, attempt: attempt, view: view, method: method}, true
}

// loadForm is load for a POST, with its form parsed.
func (p *Pages) loadForm(w http.ResponseWriter, r *http.Request) (*request, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		SetCommonHeaders(w)
		status := http.StatusBadRequest
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		p.message(w, r, status, pageData{
			Title:      "The form could not be read",
			Paragraphs: []string{"Go back to the payment page and try again."},
		})
		return nil, false
	}
	return p.load(w, r)
}

// show is GET: it opens the attempt (which starts Vipps's approval window
// and records the visit for every method), then shows the current step.
func (p *Pages) show(w http.ResponseWriter, r *http.Request) {
	SetCommonHeaders(w)
	attempt := r.PathValue("attempt")
	if !validAttemptID(attempt) {
		p.stale(w, r)
		return
	}
	// HEAD (a link checker, a prefetch) shows the page without opening it.
	if r.Method != http.MethodHead {
		if pi, err := p.Gateway.OpenAttempt(r.Context(), attempt); err != nil {
			p.fail(w, r, attempt, pi, err)
			return
		}
	}
	rq, ok := p.load(w, r)
	if !ok {
		return
	}
	switch rq.method.Flow {
	case methods.FlowBankRedirect:
		p.renderSofortBanks(rq, http.StatusOK, "", "")
	case methods.FlowVirtualAccount:
		if va := rq.pending().VirtualAccount; va != nil && va.Bank != "" {
			p.renderVirtualAccount(rq)
		} else {
			p.renderTransferBanks(rq, http.StatusOK, "", "")
		}
	case methods.FlowWallet:
		if rq.pending().Phone != "" {
			p.renderVippsApprove(rq)
		} else {
			p.renderVippsPhone(rq, http.StatusOK, "", "")
		}
	default:
		p.internal(w, r, attempt, errors.New("sandbox: no pages for flow "+string(rq.method.Flow)))
	}
}

// toPage answers a GET of a step's address (a reload, a bookmark).
func (p *Pages) toPage(w http.ResponseWriter, r *http.Request) {
	SetCommonHeaders(w)
	attempt := r.PathValue("attempt")
	if !validAttemptID(attempt) {
		p.stale(w, r)
		return
	}
	http.Redirect(w, r, PathPrefix+attempt, http.StatusSeeOther)
}

func (p *Pages) cancel(w http.ResponseWriter, r *http.Request) {
	if rq, ok := p.loadForm(w, r); ok {
		p.finish(rq, gateway.OutcomeCancel, reasonCanceled)
	}
}

// --- Sofort: bank, login, TAN ---

func (p *Pages) sofortBank(w http.ResponseWriter, r *http.Request) {
	rq, ok := p.sofort(w, r)
	if !ok {
		return
	}
	bank, ok := p.sofortBankInput(rq)
	if !ok {
		return
	}
	p.renderSofortLogin(rq, http.StatusOK, bank, "", "", "")
}

func (p *Pages) sofortLogin(w http.ResponseWriter, r *http.Request) {
	rq, ok := p.sofort(w, r)
	if !ok {
		return
	}
	bank, ok := p.sofortBankInput(rq)
	if !ok {
		return
	}
	user, ok := p.sofortUserInput(rq, bank)
	if !ok {
		return
	}
	// The PIN is checked for presence only and then dropped: it is never
	// stored, logged or written back into a page.
	if strings.TrimSpace(rq.r.PostForm.Get("pin")) == "" {
		p.renderSofortLogin(rq, http.StatusUnprocessableEntity, bank, user, "Enter your PIN. Any PIN works in the sandbox.", "pin")
		return
	}
	p.renderSofortTAN(rq, http.StatusOK, bank, user, "")
}

func (p *Pages) sofortTAN(w http.ResponseWriter, r *http.Request) {
	rq, ok := p.sofort(w, r)
	if !ok {
		return
	}
	bank, ok := p.sofortBankInput(rq)
	if !ok {
		return
	}
	user, ok := p.sofortUserInput(rq, bank)
	if !ok {
		return
	}
	tan := strings.TrimSpace(rq.r.PostForm.Get("tan"))
	switch {
	case tan == "":
		p.renderSofortTAN(rq, http.StatusUnprocessableEntity, bank, user, "Enter the TAN.")
	case tan == CorrectTAN:
		p.finish(rq, gateway.OutcomeAuthorize, "")
	default:
		p.finish(rq, gateway.OutcomeDecline, reasonWrongTAN)
	}
}

// sofort loads a POST for a bank-redirect attempt.
func (p *Pages) sofort(w http.ResponseWriter, r *http.Request) (*request, bool) {
	rq, ok := p.loadForm(w, r)
	if ok && rq.method.Flow != methods.FlowBankRedirect {
		rq.toPage()
		return nil, false
	}
	return rq, ok
}

// sofortBankInput reads the chosen (or carried) bank; a bank not offered
// for the billing country re-shows the bank choice.
func (p *Pages) sofortBankInput(rq *request) (Bank, bool) {
	code := strings.TrimSpace(rq.r.PostForm.Get("bank"))
	for _, b := range sofortBanks[rq.country()] {
		if b.Code == code {
			return b, true
		}
	}
	msg := "Choose one of the banks listed."
	if code != "" {
		msg = "That bank is not available here. Choose one of the banks listed."
	}
	p.renderSofortBanks(rq, http.StatusUnprocessableEntity, "", msg)
	return Bank{}, false
}

const maxUserLen = 64

// sofortUserInput reads the account number / user id; a missing one
// re-shows the login.
func (p *Pages) sofortUserInput(rq *request, bank Bank) (string, bool) {
	user := strings.TrimSpace(rq.r.PostForm.Get("user"))
	switch {
	case user == "":
		p.renderSofortLogin(rq, http.StatusUnprocessableEntity, bank, "", "Enter your account number or user ID. Any value works in the sandbox.", "user")
		return "", false
	case len([]rune(user)) > maxUserLen || strings.ContainsFunc(user, isControl):
		p.renderSofortLogin(rq, http.StatusUnprocessableEntity, bank, "", "Enter an account number or user ID of at most 64 characters.", "user")
		return "", false
	}
	return user, true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func (rq *request) country() string {
	if pm := rq.view.PaymentMethod; pm != nil {
		return strings.ToUpper(pm.BillingDetails.Address.Country)
	}
	return ""
}

// --- Indonesian bank transfer: bank, virtual account ---

func (p *Pages) transferBank(w http.ResponseWriter, r *http.Request) {
	rq, ok := p.transfer(w, r)
	if !ok {
		return
	}
	if rq.pending().VirtualAccount.Bank != "" {
		rq.toPage() // already issued: show it
		return
	}
	code := strings.TrimSpace(r.PostForm.Get("bank"))
	if !isIndonesianBank(code) {
		msg := "Choose one of the banks listed."
		if code != "" {
			msg = "That bank is not available here. Choose one of the banks listed."
		}
		p.renderTransferBanks(rq, http.StatusUnprocessableEntity, "", msg)
		return
	}
	if pi, err := p.Gateway.ChooseBank(r.Context(), rq.attempt, code); err != nil {
		p.fail(w, r, rq.attempt, pi, err)
		return
	}
	rq.toPage()
}

func (p *Pages) transferPay(w http.ResponseWriter, r *http.Request) {
	rq, ok := p.transfer(w, r)
	if !ok {
		return
	}
	if rq.pending().VirtualAccount.Bank == "" {
		rq.toPage() // no account to transfer to yet
		return
	}
	p.finish(rq, gateway.OutcomeAuthorize, "")
}

// transfer loads a POST for a virtual-account attempt.
func (p *Pages) transfer(w http.ResponseWriter, r *http.Request) (*request, bool) {
	rq, ok := p.loadForm(w, r)
	if ok && (rq.method.Flow != methods.FlowVirtualAccount || rq.pending().VirtualAccount == nil) {
		rq.toPage()
		return nil, false
	}
	return rq, ok
}

func isIndonesianBank(code string) bool {
	for _, b := range indonesianBanks {
		if b.Code == code {
			return true
		}
	}
	return false
}

// --- Vipps: phone, approve in the app ---

func (p *Pages) vippsPhone(w http.ResponseWriter, r *http.Request) {
	rq, ok := p.vipps(w, r)
	if !ok {
		return
	}
	if rq.pending().Phone != "" {
		rq.toPage() // already identified
		return
	}
	raw := r.PostForm.Get("phone")
	phone, ok := NormalizeNorwegianMobile(raw)
	if !ok {
		msg := "Enter a Norwegian mobile number: 8 digits starting with 4 or 9, optionally with +47 in front."
		if strings.TrimSpace(raw) == "" {
			msg = "Enter your mobile number."
		}
		if len(raw) > 32 {
			raw = ""
		}
		p.renderVippsPhone(rq, http.StatusUnprocessableEntity, raw, msg)
		return
	}
	if pi, err := p.Gateway.IdentifyPayer(r.Context(), rq.attempt, phone); err != nil {
		p.fail(w, r, rq.attempt, pi, err)
		return
	}
	rq.toPage()
}

func (p *Pages) vippsApprove(w http.ResponseWriter, r *http.Request) {
	p.vippsAnswer(w, r, gateway.OutcomeAuthorize, "")
}

func (p *Pages) vippsReject(w http.ResponseWriter, r *http.Request) {
	p.vippsAnswer(w, r, gateway.OutcomeDecline, reasonVippsRejects)
}

func (p *Pages) vippsAnswer(w http.ResponseWriter, r *http.Request, outcome gateway.Outcome, reason string) {
	rq, ok := p.vipps(w, r)
	if !ok {
		return
	}
	if rq.pending().Phone == "" {
		rq.toPage() // no request was sent to an app yet
		return
	}
	p.finish(rq, outcome, reason)
}

// vipps loads a POST for a wallet attempt.
func (p *Pages) vipps(w http.ResponseWriter, r *http.Request) (*request, bool) {
	rq, ok := p.loadForm(w, r)
	if ok && rq.method.Flow != methods.FlowWallet {
		rq.toPage()
		return nil, false
	}
	return rq, ok
}

// NormalizeNorwegianMobile accepts a Norwegian mobile number (8 digits
// starting with 4 or 9, optionally prefixed +47, 0047 or 47; spaces
// allowed) and returns it as +47XXXXXXXX.
func NormalizeNorwegianMobile(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), "")
	switch {
	case strings.HasPrefix(s, "+47"):
		s = s[3:]
	case strings.HasPrefix(s, "0047"):
		s = s[4:]
	case len(s) == 10 && strings.HasPrefix(s, "47"):
		s = s[2:]
	}
	if len(s) != 8 || (s[0] != '4' && s[0] != '9') {
		return "", false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return "+47" + s, true
}

// displayPhone formats +47XXXXXXXX as "+47 XXX XX XXX".
func displayPhone(phone string) string {
	if len(phone) != 11 || !strings.HasPrefix(phone, "+47") {
		return phone
	}
	return phone[:3] + " " + phone[3:6] + " " + phone[6:8] + " " + phone[8:]
}

// --- Outcomes ---

// finish ends the attempt and sends the customer back to the merchant.
func (p *Pages) finish(rq *request, outcome gateway.Outcome, reason string) {
	// The return URL comes from the attempt as loaded: the finished intent
	// no longer has a Pending.
	returnURL := rq.pending().ReturnURL
	pi, err := p.Gateway.FinishAttempt(rq.r.Context(), rq.attempt, outcome, reason)
	if err != nil {
		p.fail(rq.w, rq.r, rq.attempt, pi, err)
		return
	}
	if returnURL == "" {
		returnURL = pi.ReturnURL
	}
	target, err := ReturnURL(returnURL, pi)
	if err != nil {
		p.internal(rq.w, rq.r, rq.attempt, err)
		return
	}
	http.Redirect(rq.w, rq.r, target, http.StatusSeeOther)
}

// ReturnURL adds Stripe's redirect parameters (payment_intent,
// payment_intent_client_secret, redirect_status) to the merchant's
// return_url, keeping the query it already has.
func ReturnURL(returnURL string, pi *payments.PaymentIntent) (string, error) {
	u, err := url.Parse(returnURL)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", errors.New("sandbox: return_url is not an absolute http(s) URL: " + returnURL)
	}
	status := "failed"
	if pi.Status == payments.Succeeded || pi.Status == payments.RequiresCapture {
		status = "succeeded"
	}
	q := u.Query()
	q.Set("payment_intent", pi.ID)
	q.Set("payment_intent_client_secret", pi.ClientSecret)
	q.Set("redirect_status", status)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// fail answers a gateway error: an expired attempt (410), a stale or
// unknown one (404), anything else (500).
func (p *Pages) fail(w http.ResponseWriter, r *http.Request, attempt string, pi *payments.PaymentIntent, err error) {
	var perr *payments.Error
	switch {
	case errors.Is(err, gateway.ErrAttemptExpired) && pi != nil:
		p.expired(w, r, pi)
	case errors.As(err, &perr) && (perr.Code == payments.CodeStaleAttempt || perr.Code == payments.CodeUnexpectedState):
		// Unexpected state: the intent moved on (canceled, finished) between
		// loading the attempt and acting on it.
		p.stale(w, r)
	default:
		p.internal(w, r, attempt, err)
	}
}

func (p *Pages) expired(w http.ResponseWriter, r *http.Request, pi *payments.PaymentIntent) {
	page := pageData{
		Title:  "This payment has expired",
		Amount: money.Display(pi.Amount, pi.Currency),
		Paragraphs: []string{
			"The time to complete this payment ran out, so it was not made and no money was taken.",
		},
	}
	if e := pi.LastPaymentError; e != nil && e.Message != "" {
		page.Paragraphs = append(page.Paragraphs, e.Message)
	}
	if name, err := p.accountName(r, pi.AccountID); err == nil {
		page.Merchant = name
	} else {
		p.logger().ErrorContext(r.Context(), "sandbox page: loading the merchant's name", "intent", pi.ID, "err", err)
	}
	if back, err := ReturnURL(pi.ReturnURL, pi); err == nil {
		page.Paragraphs = append(page.Paragraphs, "Return to the shop to try again or choose another way to pay.")
		page.Link, page.LinkText = back, "Return to "+orMerchant(page.Merchant)
	}
	p.message(w, r, http.StatusGone, page)
}

// accountName reads the merchant's name, which AttemptView does not carry
// once the attempt has expired.
func (p *Pages) accountName(r *http.Request, accountID string) (string, error) {
	var name string
	err := p.Gateway.Store.Read(r.Context(), func(rd store.Reader) error {
		a, err := rd.Account(r.Context(), accountID)
		name = a.Name
		return err
	})
	return name, err
}

func (p *Pages) stale(w http.ResponseWriter, r *http.Request) {
	p.message(w, r, http.StatusNotFound, pageData{
		Title: "This payment page is no longer valid",
		Paragraphs: []string{
			"The payment was already completed, failed, expired or was canceled, or this link is wrong.",
			"Return to the shop to check your order or to pay again.",
		},
	})
}

func (p *Pages) internal(w http.ResponseWriter, r *http.Request, attempt string, err error) {
	p.logger().ErrorContext(r.Context(), "sandbox page failed",
		"method", r.Method, "route", r.Pattern, "attempt", redactAttempt(attempt), "err", err)
	p.message(w, r, http.StatusInternalServerError, pageData{
		Title:      "Something went wrong",
		Paragraphs: []string{"The payment page could not be shown because of an error in Kassa. Nothing was charged by this step. Try again in a moment."},
	})
}

func (p *Pages) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// validAttemptID checks the shape of an attempt id before any lookup.
func validAttemptID(s string) bool {
	rest, ok := strings.CutPrefix(s, "att_")
	if !ok || rest == "" || len(rest) > 64 {
		return false
	}
	for i := range len(rest) {
		c := rest[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// redactAttempt keeps attempt ids (bearer credentials) out of logs.
func redactAttempt(s string) string {
	if len(s) > 8 {
		return s[:8] + "…"
	}
	return s
}

func orMerchant(name string) string {
	if name == "" {
		return "the shop"
	}
	return name
}
