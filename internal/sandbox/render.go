package sandbox

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
)

//go:embed templates
var assets embed.FS

// pageCSS is the pages' only style sheet, inlined and allowed by its hash
// in the Content-Security-Policy (no 'unsafe-inline', no scripts).
var (
	pageCSS = mustRead("templates/style.css")
	cssHash = func() string {
		sum := sha256.Sum256([]byte(pageCSS))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}()
	templates = parseTemplates("sofort_bank", "sofort_login", "sofort_tan",
		"va_bank", "va_account", "vipps_phone", "vipps_approve", "message")
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func parseTemplates(names ...string) map[string]*template.Template {
	out := make(map[string]*template.Template, len(names))
	for _, name := range names {
		out[name] = template.Must(template.ParseFS(assets, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}

// pageData is everything a page template may show.
type pageData struct {
	Title       string
	Method      string // which bank or wallet the page plays
	Merchant    string
	Amount      string
	Description string

	Error   string
	Invalid string // the input the error is about

	Action       string // the main form's target
	RejectAction string
	CancelAction string

	Legend   string
	Country  string
	Banks    []Bank
	Selected string

	Bank       Bank
	User       string
	CorrectTAN string

	VA *vaView

	Phone        string
	PhoneDisplay string
	Reference    string
	Deadline     *timeView
	// Agreement: approving also lets the merchant charge later without
	// the customer (the intent's setup_future_usage).
	Agreement bool

	Paragraphs []string
	Link       string
	LinkText   string

	CSS template.CSS

	// formOrigin is the merchant's origin, where the pages' forms redirect.
	formOrigin string
}

type vaView struct {
	Number                             string
	ExpiresISO, ExpiresUTC, ExpiresWIB string
}

type timeView struct{ ISO, UTC string }

// wib is Western Indonesian Time, where virtual accounts are issued.
var wib = time.FixedZone("WIB", 7*60*60)

func newTimeView(t time.Time) *timeView {
	if t.IsZero() {
		return nil
	}
	return &timeView{ISO: t.UTC().Format(time.RFC3339), UTC: t.UTC().Format("Mon 2 Jan 2006, 15:04 MST")}
}

var countryNames = map[string]string{
	"DE": "Germany", "AT": "Austria", "BE": "Belgium", "NL": "the Netherlands",
	"ES": "Spain", "CH": "Switzerland", "IT": "Italy", "ID": "Indonesia", "NO": "Norway",
}

var flowLabels = map[methods.Flow]string{
	methods.FlowBankRedirect:   "Sofort · online banking",
	methods.FlowVirtualAccount: "Bank transfer · Indonesia",
	methods.FlowWallet:         "Vipps",
}

// page starts a page for the request's attempt: merchant, amount and the
// cancel button.
func (rq *request) page(title string) pageData {
	pi := rq.view.Intent
	return pageData{
		Title:        title,
		Method:       flowLabels[rq.method.Flow],
		Merchant:     rq.view.AccountName,
		Amount:       money.Display(pi.Amount, pi.Currency),
		Description:  pi.Description,
		CancelAction: rq.path("cancel"),
		formOrigin:   origin(rq.pending().ReturnURL),
	}
}

func (p *Pages) renderSofortBanks(rq *request, status int, selected, errMsg string) {
	country := rq.country()
	d := rq.page("Choose your bank")
	d.Action = rq.path("sofort/bank")
	d.Banks, d.Selected, d.Error, d.Country = sofortBanks[country], selected, errMsg, country
	d.Legend = "Banks in " + countryName(country)
	p.render(rq.w, rq.r, status, "sofort_bank", d)
}

func (p *Pages) renderSofortLogin(rq *request, status int, bank Bank, user, errMsg, invalid string) {
	d := rq.page("Log in to " + bank.Name)
	d.Action = rq.path("sofort/login")
	d.Bank, d.User, d.Error, d.Invalid = bank, user, errMsg, invalid
	p.render(rq.w, rq.r, status, "sofort_login", d)
}

func (p *Pages) renderSofortTAN(rq *request, status int, bank Bank, user, errMsg string) {
	d := rq.page("Confirm with your TAN")
	d.Action = rq.path("sofort/tan")
	d.Bank, d.User, d.Error, d.CorrectTAN = bank, user, errMsg, CorrectTAN
	p.render(rq.w, rq.r, status, "sofort_tan", d)
}

func (p *Pages) renderTransferBanks(rq *request, status int, selected, errMsg string) {
	d := rq.page("Choose your bank")
	d.Action = rq.path("transfer/bank")
	d.Banks, d.Selected, d.Error = indonesianBanks, selected, errMsg
	d.Legend = "Banks in Indonesia"
	p.render(rq.w, rq.r, status, "va_bank", d)
}

func (p *Pages) renderVirtualAccount(rq *request) {
	va := rq.pending().VirtualAccount
	d := rq.page("Transfer to your virtual account")
	d.Action = rq.path("transfer/pay")
	d.Bank = bankByCode(va.Bank)
	d.VA = &vaView{
		Number:     va.Number,
		ExpiresISO: va.ExpiresAt.UTC().Format(time.RFC3339),
		ExpiresUTC: va.ExpiresAt.UTC().Format("Mon 2 Jan 2006, 15:04 MST"),
		ExpiresWIB: va.ExpiresAt.In(wib).Format("Mon 2 Jan 2006, 15:04") + " WIB (UTC+7)",
	}
	p.render(rq.w, rq.r, http.StatusOK, "va_account", d)
}

func (p *Pages) renderVippsPhone(rq *request, status int, phone, errMsg string) {
	d := rq.page("Pay with Vipps")
	d.Action = rq.path("vipps/phone")
	d.Phone, d.Error, d.Invalid = phone, errMsg, "phone"
	d.Deadline = newTimeView(vippsDeadline(rq))
	p.render(rq.w, rq.r, status, "vipps_phone", d)
}

func (p *Pages) renderVippsApprove(rq *request) {
	pi := rq.view.Intent
	d := rq.page("Approve the payment in Vipps")
	d.Action, d.RejectAction = rq.path("vipps/approve"), rq.path("vipps/reject")
	d.Phone, d.PhoneDisplay = rq.pending().Phone, displayPhone(rq.pending().Phone)
	d.Reference = pi.VippsReference
	if d.Reference == "" {
		d.Reference = pi.ID
	}
	d.Deadline = newTimeView(vippsDeadline(rq))
	d.Agreement = pi.SetupFutureUsage == payments.SetupOffSession
	p.render(rq.w, rq.r, http.StatusOK, "vipps_approve", d)
}

func vippsDeadline(rq *request) time.Time {
	if a := rq.pending(); !a.ApproveBy.IsZero() {
		return a.ApproveBy
	}
	return rq.pending().OpenBy
}

func (p *Pages) message(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	p.render(w, r, status, "message", d)
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	d.CSS = template.CSS(pageCSS)
	var buf bytes.Buffer
	if err := templates[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		p.logger().ErrorContext(r.Context(), "sandbox page: rendering", "template", name, "err", err)
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp(d))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// csp allows no scripts, no external resources, only the inline style
// sheet, and forms posting back here; a page with forms also allows the
// merchant's origin, where those forms' 303s land (browsers apply
// form-action to redirects).
func csp(d pageData) string {
	formAction := "'none'"
	if d.CancelAction != "" || d.Action != "" {
		formAction = "'self'"
		if d.formOrigin != "" {
			formAction += " " + d.formOrigin
		}
	}
	return "default-src 'none'; style-src " + cssHash + "; form-action " + formAction +
		"; base-uri 'none'; frame-ancestors 'none'"
}

var safeOrigin = regexp.MustCompile(`^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$`)

// origin is the scheme and host of a URL, or "" when it is not a plain
// http(s) origin safe to put in a header.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	o := u.Scheme + "://" + u.Host
	if !safeOrigin.MatchString(o) {
		return ""
	}
	return o
}

func countryName(code string) string {
	if n, ok := countryNames[code]; ok {
		return n
	}
	return code
}

// SetCommonHeaders is every customer page's (the sandbox's and the hosted
// checkout's): no caching anywhere (pages carry one customer's payment), no
// sniffing, no framing (clickjacking the Approve button), no referrer (the
// attempt id or page key in the URL is the customer's credential).
func SetCommonHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}
