package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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

func TestCheckoutSofortSuccessAndSecondVisit(t *testing.T) {
	k := start(t)
	shopURL := shop(t)
	dir := screenshots(t)
	cs := checkoutSession(t, k, shopURL, "eur", "de", item("eur", "Apfel", 1250, 2), item("eur", "Birne", 399, 1))
	browser := chrome(t)
	run(t, browser,
		chromedp.EmulateViewport(900, 900),
		chromedp.Navigate(cs.URL),
		see("28,99\u00a0€"),
		snap(dir, "checkout-sofort-de-open"),
		// Keyboard only: type-ahead in the country list, Tab to the button, Enter.
		chromedp.Focus(chromedp.ID("country-sofort")),
		chromedp.KeyEvent("Deutschland"),
		chromedp.KeyEvent("\t"),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.ID("bank-sandbox_sparkasse")),
		snap(dir, "checkout-sofort-bank"),
		chromedp.Click(chromedp.ID("bank-sandbox_sparkasse")),
		chromedp.Click(button("Continue to your bank")),
		chromedp.SendKeys(chromedp.ID("user"), "anthony"),
		chromedp.SendKeys(chromedp.ID("pin"), "0000"),
		chromedp.Click(button("Log in")),
		chromedp.SendKeys(chromedp.ID("tan"), "123456"),
		chromedp.Click(button("Confirm payment")),
		see("Thank you"),
	)
	landed := location(t, browser)
	if landed.Path != "/success" || landed.Query().Get("session_id") != cs.ID {
		t.Fatalf("landed on %s", landed)
	}
	got, err := k.SC.V1CheckoutSessions.Retrieve(ctx, cs.ID, &stripe.CheckoutSessionRetrieveParams{
		Params: stripe.Params{Expand: []*string{stripe.String("payment_intent")}}})
	if err != nil || got.Status != stripe.CheckoutSessionStatusComplete || got.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid ||
		got.PaymentIntent.Status != stripe.PaymentIntentStatusSucceeded || got.URL != "" {
		t.Fatalf("session after paying: %v %+v", err, got)
	}
	if got.CustomerDetails == nil || got.CustomerDetails.Address == nil || got.CustomerDetails.Address.Country != "DE" {
		t.Fatalf("customer_details %+v", got.CustomerDetails)
	}
	// A second visit to the session's page shows the completed payment.
	run(t, browser,
		chromedp.Navigate(cs.URL),
		see("Vielen Dank für Ihre Zahlung"),
		snap(dir, "checkout-sofort-de-complete"),
	)
	_ = time.Second
	_ = strings.TrimSpace
}
