package checkoutpage

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"kassa/internal/checkout"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
)

//go:embed templates
var assets embed.FS

// The pages' only style sheet is inlined and allowed by its hash in the
// Content-Security-Policy: no scripts, no 'unsafe-inline', nothing loaded
// from anywhere.
var (
	pageCSS = mustRead("templates/style.css")
	cssHash = func() string {
		sum := sha256.Sum256([]byte(pageCSS))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}()
	templates = map[string]*template.Template{
		"session": parse("session"),
		"result":  parse("result"),
	}
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func parse(name string) *template.Template {
	return template.Must(template.ParseFS(assets, "templates/layout.html", "templates/summary.html", "templates/"+name+".html"))
}

// pageData is what a template shows.
type pageData struct {
	L         lang
	Title     string
	Merchant  string
	Languages []languageLink
	CSS       template.CSS

	// The summary of the order (session and result pages).
	Summary *summary

	// The payment form (session page).
	Action  string
	Key     string
	Lang    string // an explicit language choice to keep across the form
	Methods []methodForm
	Notice  string // why the last attempt failed
	Pending *pendingAttempt
	Cancel  *link
	Expires string
	// ExpiresISO is the machine-readable expiry for <time>.
	ExpiresISO string

	// Result and message pages.
	Paragraphs []string
	Link       *link
	// Refresh sends the browser on to this URL at once (a meta refresh,
	// see Pages.back).
	Refresh string

	hasForm bool
}

type languageLink struct {
	Code, Name, URL string
	Current         bool
}

type summary struct {
	Items []summaryItem
	Total string
}

type summaryItem struct {
	Description, Quantity, Amount string
}

type methodForm struct {
	Type      string
	Name      string
	Hint      string
	Countries []countryOption // empty: no country asked
	Button    string
	Error     string
	Invalid   bool
}

type countryOption struct {
	Code, Name string
	Selected   bool
}

type pendingAttempt struct {
	Text string
	Link link
}

type link struct{ URL, Text string }

// formError is a refused payment form, re-shown with the reason.
type formError struct {
	method  methods.Type
	country string
	err     *payments.Error
}

// render shows a session: the payment form while it is open, else the
// outcome (complete, processing, failed, expired).
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, view gateway.CheckoutView, explicit string, ferr formError) {
	s := view.Session
	l := choose(explicit, s.Locale, r.Header.Get("Accept-Language"))
	d := pageData{L: l, Merchant: view.AccountName, Summary: summarize(l, s), Languages: languageLinks(l, s)}
	if s.State == checkout.StateOpen {
		p.renderOpen(w, r, status, d, view, explicit, ferr)
		return
	}
	if s.State == checkout.StateExpired {
		status = http.StatusGone
	}
	p.execute(w, r, status, "result", outcome(d, view))
}

// outcome fills in the page of a session that is no longer open.
func outcome(d pageData, view gateway.CheckoutView) pageData {
	s, l, merchant := view.Session, d.L, view.AccountName
	total := l.Money(s.AmountTotal, s.Currency)
	switch s.State {
	case checkout.StatePaid:
		d.Title = l.T("complete_title")
		d.Paragraphs = []string{l.T("complete_text", total, merchant)}
		d.Link = &link{URL: s.SuccessRedirect(), Text: l.T("continue_to_shop", merchant)}
	case checkout.StateAwaitingPayment:
		d.Title = l.T("processing_title")
		d.Paragraphs = []string{l.T("processing_text", total, merchant, merchant)}
		d.Link = &link{URL: s.SuccessRedirect(), Text: l.T("continue_to_shop", merchant)}
	case checkout.StatePaymentFailed:
		d.Title = l.T("payment_failed_title")
		d.Paragraphs = []string{l.T("payment_failed_text", merchant, merchant)}
		if s.CancelURL != "" {
			d.Link = &link{URL: s.CancelURL, Text: l.T("back_to_shop", merchant)}
		}
	case checkout.StateExpired:
		d.Title = l.T("expired_title")
		d.Paragraphs = []string{l.T("expired_text")}
		if s.CancelURL != "" {
			d.Link = &link{URL: s.CancelURL, Text: l.T("expired_back", merchant)}
		} else {
			d.Paragraphs = append(d.Paragraphs, l.T("expired_no_back"))
		}
	}
	return d
}

func (p *Pages) renderOpen(w http.ResponseWriter, r *http.Request, status int, d pageData, view gateway.CheckoutView, explicit string, ferr formError) {
	s, pi, l := view.Session, view.Intent, d.L
	d.Title = l.T("checkout") + " – " + view.AccountName
	d.Action = gateway.CheckoutPagePath + s.ID
	d.Key, d.Lang, d.hasForm = s.PageKey, explicit, true
	d.Expires, d.ExpiresISO = l.Date(s.ExpiresAt), s.ExpiresAt.UTC().Format(time.RFC3339)
	if s.CancelURL != "" {
		d.Cancel = &link{URL: s.CancelURL, Text: l.T("back_to_shop", view.AccountName)}
	}
	if pi.Status == payments.RequiresPaymentMethod && pi.LastPaymentError != nil {
		d.Notice = failureNotice(l, pi.LastPaymentError.Code)
	}
	if pi.Status == payments.RequiresAction && pi.Pending != nil {
		name := l.Brand(pi.Pending.Method)
		d.Pending = &pendingAttempt{Text: l.T("in_progress", name), Link: link{URL: pi.Pending.RedirectURL, Text: l.T("continue_payment", name)}}
	}
	total := l.Money(s.AmountTotal, s.Currency)
	for _, t := range s.PaymentMethodTypes {
		m, ok := methods.Lookup(t)
		if !ok {
			continue
		}
		f := methodForm{Type: string(t), Name: l.Method(t), Hint: l.T("hint_" + string(t)), Button: l.T("pay_button", total, l.Brand(t))}
		if s.AsksCountry(m) {
			selected := ""
			switch {
			case ferr.method == t:
				selected = ferr.country
			case view.PaymentMethod != nil && view.PaymentMethod.Type == t:
				selected = view.PaymentMethod.BillingDetails.Address.Country
			case s.CustomerDetails != nil:
				selected = s.CustomerDetails.Country
			}
			f.Countries = countryOptions(l, m, selected)
		}
		if ferr.err != nil && ferr.method == t {
			f.Error, f.Invalid = formMessage(l, ferr), ferr.err.Param == checkout.ParamCountry
		}
		d.Methods = append(d.Methods, f)
	}
	if ferr.err != nil && !slices.Contains(s.PaymentMethodTypes, ferr.method) {
		d.Notice = l.T("err_method")
	}
	p.execute(w, r, status, "session", d)
}

// failureNotice explains the last attempt's failure in the page's language.
func failureNotice(l lang, code string) string {
	switch code {
	case payments.CodeAuthFailure:
		return l.T("failed_auth")
	case payments.CodeAttemptExpired:
		return l.T("failed_expired")
	}
	return l.T("failed_other")
}

// formMessage explains a refused payment form.
func formMessage(l lang, ferr formError) string {
	e := ferr.err
	switch {
	case e.Param == checkout.ParamCountry && (e.Code == payments.CodeParameterMissing || ferr.country == ""):
		return l.T("err_country_missing")
	case e.Param == checkout.ParamCountry:
		return l.T("err_country_unsupported", l.Brand(ferr.method), l.Country(ferr.country))
	case e.Param == checkout.ParamMethod:
		return l.T("err_method")
	}
	return l.T("failed_other")
}

func countryOptions(l lang, m methods.Method, selected string) []countryOption {
	out := make([]countryOption, len(m.Countries))
	for i, c := range m.Countries {
		out[i] = countryOption{Code: c, Name: l.Country(c), Selected: c == selected}
	}
	slices.SortFunc(out, func(a, b countryOption) int { return strings.Compare(foldAccents(a.Name), foldAccents(b.Name)) })
	return out
}

func summarize(l lang, s *checkout.Session) *summary {
	out := &summary{Total: l.Money(s.AmountTotal, s.Currency)}
	for _, li := range s.LineItems {
		out.Items = append(out.Items, summaryItem{Description: li.Description, Quantity: l.Number(li.Quantity),
			Amount: l.Money(li.AmountTotal, li.Currency)})
	}
	return out
}

func languageLinks(current lang, s *checkout.Session) []languageLink {
	out := make([]languageLink, len(Languages))
	for i, code := range Languages {
		out[i] = languageLink{Code: code, Name: languageNames[code], URL: pageURL(s.ID, s.PageKey, code), Current: code == current.Code}
	}
	return out
}

// message is a page with a title and one sentence (not found, refused, errors).
func (p *Pages) message(w http.ResponseWriter, r *http.Request, status int, l lang, title, text string) {
	p.execute(w, r, status, "result", pageData{L: l, Title: title, Paragraphs: []string{text}})
}

// execute renders into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (p *Pages) execute(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	d.CSS = template.CSS(pageCSS)
	var buf bytes.Buffer
	if err := templates[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		p.logger().ErrorContext(r.Context(), "checkout page: rendering", "template", name, "err", err)
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	formAction := "'none'"
	if d.hasForm {
		formAction = "'self'"
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", d.L.Code)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+cssHash+"; form-action "+formAction+
		"; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// foldAccents lets Österreich sort with the O's: enough collation for the
// country names the page shows.
func foldAccents(s string) string {
	return accentFolder.Replace(s)
}

var accentFolder = strings.NewReplacer("Ä", "A", "Ö", "O", "Ü", "U", "É", "E", "È", "E", "Î", "I", "ä", "a", "ö", "o", "ü", "u", "é", "e", "è", "e", "ç", "c")
