// Package checkoutpage serves the hosted Checkout page: a session's line
// items and total, the payment methods it offers with what each needs (a
// billing country for Sofort), and the way into the acquirer's redirect
// flow and back. Pages are server-rendered in the customer's language,
// need no JavaScript, load nothing from elsewhere, and change state only
// through the gateway.
//
// Routes (the page key in the query is the customer's credential; the
// session id alone, which the merchant's success_url receives, opens nothing):
//
//	GET  /checkout/pay/{id}?key=K        the session: pay, or its outcome
//	POST /checkout/pay/{id}              key, method, country → 303 to the acquirer
//	GET  /checkout/return/{id}?key=K     back from the acquirer → success_url or the page
package checkoutpage

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"kassa/internal/checkout"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
)

// Pages serves the hosted checkout.
type Pages struct {
	Gateway *gateway.Gateway
	Logger  *slog.Logger
}

// Register adds the routes to mux. Form posts are guarded by net/http's
// cross-origin protection (Sec-Fetch-Site / Origin) and carry the page key,
// which another site cannot know.
func (p *Pages) Register(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sandbox.SetCommonHeaders(w)
		l := choose("", "", r.Header.Get("Accept-Language"))
		p.message(w, r, http.StatusForbidden, l, l.T("refused_title"), l.T("refused_text"))
	}))
	handle := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, cop.Handler(h)) }
	handle("GET "+gateway.CheckoutPagePath+"{id}", p.show)
	handle("POST "+gateway.CheckoutPagePath+"{id}", p.pay)
	handle("GET "+gateway.CheckoutReturnPath+"{id}", p.back)
}

// show is the session's page: the payment form while open, else its outcome.
func (p *Pages) show(w http.ResponseWriter, r *http.Request) {
	sandbox.SetCommonHeaders(w)
	q := r.URL.Query()
	view, ok := p.load(w, r, r.PathValue("id"), q.Get("key"), q.Get("lang"))
	if !ok {
		return
	}
	p.render(w, r, http.StatusOK, view, q.Get("lang"), formError{})
}

// pay starts the customer's payment and sends them to the acquirer.
func (p *Pages) pay(w http.ResponseWriter, r *http.Request) {
	sandbox.SetCommonHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		l := choose("", "", r.Header.Get("Accept-Language"))
		p.message(w, r, http.StatusBadRequest, l, l.T("error_title"), l.T("err_form"))
		return
	}
	id, key, explicit := r.PathValue("id"), r.PostForm.Get("key"), r.PostForm.Get("lang")
	in := gateway.CheckoutPayment{
		Method:  methods.Type(r.PostForm.Get("method")),
		Country: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("country"))),
	}
	if !validID(id) {
		p.notFound(w, r, explicit)
		return
	}
	redirect, err := p.Gateway.PayCheckout(r.Context(), id, key, in)
	var perr *payments.Error
	switch {
	case err == nil:
		http.Redirect(w, r, redirect, http.StatusSeeOther)
	case errors.Is(err, gateway.ErrCheckoutNotFound):
		p.notFound(w, r, explicit)
	case errors.As(err, &perr) && perr.Code == checkout.CodeUnexpectedState:
		// Completed or expired meanwhile: the page shows which.
		http.Redirect(w, r, pageURL(id, key, explicit), http.StatusSeeOther)
	case errors.As(err, &perr):
		view, ok := p.load(w, r, id, key, explicit)
		if ok {
			p.render(w, r, http.StatusUnprocessableEntity, view, explicit, formError{method: in.Method, country: in.Country, err: perr})
		}
	default:
		p.internal(w, r, explicit, err)
	}
}

// back is where the acquirer returns the customer (the intent's
// return_url). The outcome is already recorded; this only decides where
// to go: the merchant's success_url once the session is complete, the
// session's page otherwise (it explains a failure and offers a retry).
//
// The way to success_url is the completed page with a meta refresh, not a
// 303: the customer arrives here by a redirect from the acquirer's form,
// and browsers check every redirect of a form submission against the
// form page's CSP form-action, which names Kassa, not the merchant.
func (p *Pages) back(w http.ResponseWriter, r *http.Request) {
	sandbox.SetCommonHeaders(w)
	id, key := r.PathValue("id"), r.URL.Query().Get("key")
	view, ok := p.load(w, r, id, key, "")
	if !ok {
		return
	}
	s := view.Session
	if s.State != checkout.StatePaid && s.State != checkout.StateAwaitingPayment {
		http.Redirect(w, r, pageURL(id, key, ""), http.StatusSeeOther)
		return
	}
	l := choose("", s.Locale, r.Header.Get("Accept-Language"))
	d := outcome(pageData{L: l, Merchant: view.AccountName, Summary: summarize(l, s)}, view)
	d.Refresh = s.SuccessRedirect()
	p.execute(w, r, http.StatusOK, "result", d)
}

// load fetches the session for a page; it has answered the request itself
// when ok is false.
func (p *Pages) load(w http.ResponseWriter, r *http.Request, id, key, explicit string) (gateway.CheckoutView, bool) {
	if !validID(id) {
		p.notFound(w, r, explicit)
		return gateway.CheckoutView{}, false
	}
	view, err := p.Gateway.Checkout(r.Context(), id, key)
	switch {
	case errors.Is(err, gateway.ErrCheckoutNotFound):
		p.notFound(w, r, explicit)
		return view, false
	case err != nil:
		p.internal(w, r, explicit, err)
		return view, false
	}
	return view, true
}

func (p *Pages) notFound(w http.ResponseWriter, r *http.Request, explicit string) {
	l := choose(explicit, "", r.Header.Get("Accept-Language"))
	p.message(w, r, http.StatusNotFound, l, l.T("notfound_title"), l.T("notfound_text"))
}

func (p *Pages) internal(w http.ResponseWriter, r *http.Request, explicit string, err error) {
	p.logger().ErrorContext(r.Context(), "checkout page failed", "method", r.Method, "route", r.Pattern, "err", err)
	l := choose(explicit, "", r.Header.Get("Accept-Language"))
	p.message(w, r, http.StatusInternalServerError, l, l.T("error_title"), l.T("error_text"))
}

func (p *Pages) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// pageURL is the session page's address (relative: the page serves it).
func pageURL(id, key, explicit string) string {
	q := url.Values{"key": {key}}
	if explicit != "" {
		q.Set("lang", explicit)
	}
	return gateway.CheckoutPagePath + id + "?" + q.Encode()
}

// validID checks a session id's shape before any lookup.
func validID(s string) bool {
	rest, ok := strings.CutPrefix(s, "cs_")
	if !ok || rest == "" || len(rest) > 64 {
		return false
	}
	return strings.Trim(rest, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}
