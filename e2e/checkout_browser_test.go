package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v82"
)

// screenshots is where the browser tests write each page they pass through:
// KASSA_SCREENSHOTS if set (docs/checkout.md shows some), else a temporary
// directory.
func screenshots(t *testing.T) string {
	dir := os.Getenv("KASSA_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// snap is an action that saves a full-page PNG as dir/name.png.
func snap(dir, name string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		png, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.Void{}, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
}

// see waits until an element with exactly this text is visible.
func see(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.Search(`//body//*[normalize-space()="` + text + `"]`))
}

// checkoutSession creates a session with stripe-go for the browser journeys.
func checkoutSession(t *testing.T, k *kassa, shopURL, currency, locale string, items ...*stripe.CheckoutSessionCreateLineItemParams) *stripe.CheckoutSession {
	t.Helper()
	params := &stripe.CheckoutSessionCreateParams{
		Mode:       stripe.String("payment"),
		LineItems:  items,
		SuccessURL: stripe.String(shopURL + "/success?session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:  stripe.String(shopURL + "/cart"),
	}
	if locale != "" {
		params.Locale = stripe.String(locale)
	}
	cs, err := k.SC.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Currency != stripe.Currency(currency) || cs.Status != stripe.CheckoutSessionStatusOpen || cs.URL == "" {
		t.Fatalf("session %+v", cs)
	}
	return cs
}

func item(currency, name string, unit, quantity int64) *stripe.CheckoutSessionCreateLineItemParams {
	return &stripe.CheckoutSessionCreateLineItemParams{
		PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
			Currency: stripe.String(currency), UnitAmount: stripe.Int64(unit),
			ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(name)},
		},
		Quantity: stripe.Int64(quantity),
	}
}

// run does the steps and fails the test with the page's HTML when one
// fails. The steps get 20 seconds, so the browser is still there to ask.
func run(t *testing.T, browser context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(browser); err != nil { // starts the browser on its own context
		t.Fatal(err)
	}
	stepsCtx, cancel := context.WithTimeout(browser, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(stepsCtx, steps...); err != nil {
		html, _ := chromedp.Run(browser, chromedp.OuterHTML(chromedp.CSS("html")))
		where, _ := chromedp.Run(browser, chromedp.Location())
		t.Fatalf("%v\nat %s:\n%s", err, where, html)
	}
}

func location(t *testing.T, browser context.Context) *url.URL {
	t.Helper()
	where, err := chromedp.Run(browser, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(where)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// payer plays one method's customer through the hosted page and the
// sandbox acquirer's pages.
type payer struct {
	method   string
	currency string
	items    []*stripe.CheckoutSessionCreateLineItemParams
	total    string // as the page shows it in the journey's language
	// locale is the session's; accept the browser's Accept-Language.
	locale, accept string
	// choose fills in what the method needs on the checkout page.
	choose []chromedp.Action[chromedp.Void]
	// approve and decline answer at the acquirer's pages.
	approve, decline []chromedp.Action[chromedp.Void]
	// texts the page shows in the journey's language.
	thanks, failed, expired string
}

var payers = []payer{
	{
		method: "sofort", currency: "eur", locale: "de", total: "28,99\u00a0€",
		items: []*stripe.CheckoutSessionCreateLineItemParams{item("eur", "Apfel", 1250, 2), item("eur", "Birne", 399, 1)},
		choose: []chromedp.Action[chromedp.Void]{
			// Keyboard only: type-ahead in the country list, Tab to the button, Enter.
			chromedp.Focus(chromedp.ID("country-sofort")),
			chromedp.KeyEvent("Deutschland"),
			chromedp.KeyEvent("\t"),
			chromedp.KeyEvent("\r"),
		},
		approve: []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.ID("bank-sandbox_sparkasse")),
			chromedp.Click(button("Continue to your bank")),
			chromedp.SendKeys(chromedp.ID("user"), "anthony"),
			chromedp.SendKeys(chromedp.ID("pin"), "0000"),
			chromedp.Click(button("Log in")),
			chromedp.SendKeys(chromedp.ID("tan"), "123456"),
			chromedp.Click(button("Confirm payment")),
		},
		decline: []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.ID("bank-sandbox_volksbank")),
			chromedp.Click(button("Continue to your bank")),
			chromedp.SendKeys(chromedp.ID("user"), "anthony"),
			chromedp.SendKeys(chromedp.ID("pin"), "0000"),
			chromedp.Click(button("Log in")),
			chromedp.SendKeys(chromedp.ID("tan"), "654321"),
			chromedp.Click(button("Confirm payment")),
		},
		thanks:  "Vielen Dank für Ihre Zahlung",
		failed:  "Die Zahlung wurde nicht abgeschlossen: Sie wurde abgelehnt oder abgebrochen. Sie können es erneut versuchen.",
		expired: "Dieser Bezahlvorgang ist abgelaufen",
	},
	{
		method: "bank_transfer_id", currency: "idr", locale: "it", total: "100.000,00\u00a0IDR",
		items:  []*stripe.CheckoutSessionCreateLineItemParams{item("idr", "Batik", 5000000, 2)},
		choose: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.ID("pay-bank_transfer_id"))},
		approve: []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.ID("bank-bca")),
			chromedp.Click(button("Get virtual account number")),
			chromedp.Click(button("Transfer now (sandbox)")),
		},
		decline: []chromedp.Action[chromedp.Void]{chromedp.Click(button("Cancel payment"))},
		thanks:  "Grazie per il tuo pagamento",
		failed:  "Il pagamento non è andato a buon fine: è stato rifiutato o annullato. Puoi riprovare.",
		expired: "Questo pagamento è scaduto",
	},
	{
		// No locale: the page follows the browser's Accept-Language.
		method: "vipps", currency: "nok", accept: "fr-FR,fr;q=0.9,en;q=0.5", total: "549,00\u00a0NOK",
		items:  []*stripe.CheckoutSessionCreateLineItemParams{item("nok", "Lefse", 4900, 10), item("nok", "Brunost", 5900, 1)},
		choose: []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.ID("pay-vipps"))},
		approve: []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.ID("phone"), "+47 912 34 567"),
			chromedp.Click(button("Continue")),
			chromedp.Click(button("Approve")),
		},
		decline: []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.ID("phone"), "41234567"),
			chromedp.Click(button("Continue")),
			chromedp.Click(button("Reject")),
		},
		thanks:  "Merci pour votre paiement",
		failed:  "Le paiement n’a pas abouti : il a été refusé ou annulé. Vous pouvez réessayer.",
		expired: "Ce paiement a expiré",
	},
}

// journey is one customer's visit: a fresh Kassa (its clock is the
// journey's own), a shop, a session and a browser.
type journey struct {
	payer
	t       *testing.T
	k       *kassa
	shopURL string
	cs      *stripe.CheckoutSession
	browser context.Context
	dir     string
}

// browsers bounds how many journeys run a Chromium at once: they run in
// parallel, but a small CI machine should not start twelve browsers.
var browsers = make(chan struct{}, 3)

func newJourney(t *testing.T, p payer) *journey {
	browsers <- struct{}{}
	t.Cleanup(func() { <-browsers })
	j := &journey{payer: p, t: t, k: start(t), shopURL: shop(t), dir: screenshots(t)}
	j.cs = checkoutSession(t, j.k, j.shopURL, p.currency, p.locale, p.items...)
	j.browser = chrome(t, p.accept)
	run(t, j.browser, chromedp.EmulateViewport(800, 600))
	return j
}

func (j *journey) run(steps ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	run(j.t, j.browser, steps...)
}

func (j *journey) snap(step string) chromedp.Action[chromedp.Void] {
	return snap(j.dir, "checkout-"+j.method+"-"+step)
}

// open shows the session's page and pays with the method up to the acquirer.
func (j *journey) openAndChoose(step string) {
	j.t.Helper()
	j.run(chromedp.Navigate(j.cs.URL), see(j.total), j.snap(step))
	j.run(j.choose...)
}

// atAcquirer waits for a sandbox acquirer's page (its forms post to it).
var atAcquirer = chromedp.WaitVisible(chromedp.CSS(`form[action^="/sandbox/pay/"]`))

// session retrieves the session with its intent.
func (j *journey) session() *stripe.CheckoutSession {
	j.t.Helper()
	params := &stripe.CheckoutSessionRetrieveParams{}
	params.AddExpand("payment_intent")
	cs, err := j.k.SC.V1CheckoutSessions.Retrieve(ctx, j.cs.ID, params)
	if err != nil {
		j.t.Fatal(err)
	}
	return cs
}

// landedOnSuccess checks that the browser is at success_url with the id filled in.
func (j *journey) landedOnSuccess() {
	j.t.Helper()
	j.run(see("Thank you"))
	landed := location(j.t, j.browser)
	if landed.Path != "/success" || landed.Query().Get("session_id") != j.cs.ID {
		j.t.Fatalf("landed on %s", landed)
	}
	cs := j.session()
	if cs.Status != stripe.CheckoutSessionStatusComplete || cs.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid ||
		cs.PaymentIntent.Status != stripe.PaymentIntentStatusSucceeded || cs.URL != "" {
		j.t.Fatalf("session after paying: %s/%s, intent %s, url %q", cs.Status, cs.PaymentStatus, cs.PaymentIntent.Status, cs.URL)
	}
}

func TestCheckoutJourneys(t *testing.T) {
	for _, p := range payers {
		t.Run(p.method, func(t *testing.T) {
			t.Run("success, then a second visit", func(t *testing.T) {
				t.Parallel()
				j := newJourney(t, p)
				j.openAndChoose("open")
				j.run(atAcquirer, j.snap("acquirer"))
				j.run(j.approve...)
				j.landedOnSuccess()
				// The completed session's page says so, with the way back to the shop.
				j.run(chromedp.Navigate(j.cs.URL), see(j.thanks), j.snap("complete"))
				href, err := chromedp.Run(j.browser, chromedp.AttributeValue(chromedp.ID("continue"), "href"))
				if err != nil || href.Value != j.shopURL+"/success?session_id="+j.cs.ID {
					t.Fatalf("continue link %+v %v", href, err)
				}
				assertEventTypes(t, j.k, j.cs.ID, "checkout.session.completed")
			})
			t.Run("failure, then a retry", func(t *testing.T) {
				t.Parallel()
				j := newJourney(t, p)
				j.openAndChoose("open-for-failure")
				j.run(j.decline...)
				// Back on the session's page, which says why and offers the methods again.
				j.run(see(j.failed), j.snap("failed"))
				if landed := location(t, j.browser); landed.Path != "/checkout/pay/"+j.cs.ID {
					t.Fatalf("after the failure the customer is at %s", landed)
				}
				if cs := j.session(); cs.Status != stripe.CheckoutSessionStatusOpen || cs.PaymentIntent.Status != stripe.PaymentIntentStatusRequiresPaymentMethod {
					t.Fatalf("after the failure: %s, intent %s", cs.Status, cs.PaymentIntent.Status)
				}
				j.run(j.choose...)
				j.run(j.approve...)
				j.landedOnSuccess()
				assertEventTypes(t, j.k, j.cs.ID, "checkout.session.completed")
			})
			t.Run("cancel", func(t *testing.T) {
				t.Parallel()
				j := newJourney(t, p)
				j.run(chromedp.Navigate(j.cs.URL), see(j.total), chromedp.Click(chromedp.ID("cancel")), see("Thank you"))
				if landed := location(t, j.browser); landed.String() != j.shopURL+"/cart" {
					t.Fatalf("cancel led to %s", landed)
				}
				if cs := j.session(); cs.Status != stripe.CheckoutSessionStatusOpen {
					t.Fatalf("going back to the shop changed the session: %s", cs.Status)
				}
			})
			t.Run("expiry", func(t *testing.T) {
				t.Parallel()
				j := newJourney(t, p)
				// The customer starts paying, then leaves the acquirer's page open too long.
				j.openAndChoose("open-for-expiry")
				j.run(atAcquirer)
				attemptPage := location(t, j.browser).String()
				j.k.Clock.Advance(24 * time.Hour)
				eventually(t, "the session expires", func() bool {
					cs, err := j.k.SC.V1CheckoutSessions.Retrieve(ctx, j.cs.ID, nil)
					return err == nil && cs.Status == stripe.CheckoutSessionStatusExpired
				})
				cs := j.session()
				if cs.PaymentIntent.Status != stripe.PaymentIntentStatusCanceled || cs.URL != "" {
					t.Fatalf("expired session: intent %s, url %q", cs.PaymentIntent.Status, cs.URL)
				}
				// The acquirer's page no longer takes the payment, and the
				// session's page says it expired.
				j.run(chromedp.Navigate(attemptPage), see("This payment page is no longer valid"))
				j.run(chromedp.Navigate(j.cs.URL), see(j.expired), j.snap("expired"))
				assertEventTypes(t, j.k, j.cs.ID, "checkout.session.expired")
			})
		})
	}
}
