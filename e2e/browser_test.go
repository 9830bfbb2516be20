package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v82"
)

// chrome gives t a new tab of a headless Debian Chromium, in a browser
// context of its own (no cookies, storage or cache shared with any other
// test), closed when t ends. The Chromium process itself is started once
// per Accept-Language (a launch flag; "" for its default) and shared by the
// package's tests, as starting one costs about a second of CPU.
// scripts/test installs it; set KASSA_SKIP_BROWSER=1 to skip these tests
// knowingly.
func chrome(t *testing.T, acceptLanguage string) context.Context {
	t.Helper()
	if os.Getenv("KASSA_SKIP_BROWSER") == "1" {
		t.Skip("KASSA_SKIP_BROWSER=1")
	}
	root, err := sharedChromium(acceptLanguage)
	if err != nil {
		t.Fatal(err)
	}
	tab, cancelTab := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab() })
	return ctx
}

// chromiums are the running shared browsers by Accept-Language.
var chromiums struct {
	sync.Mutex
	byLanguage map[string]context.Context
	stop       []func()
}

func sharedChromium(acceptLanguage string) (context.Context, error) {
	chromiums.Lock()
	defer chromiums.Unlock()
	if root, ok := chromiums.byLanguage[acceptLanguage]; ok {
		return root, nil
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		return nil, errors.New("chromium is not installed: run scripts/test, which installs it, or apt-get install chromium")
	}
	profile, err := os.MkdirTemp("", "kassa-e2e-chromium-")
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	if acceptLanguage != "" {
		opts = append(opts, chromedp.Flag("accept-lang", acceptLanguage))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelBrowser := chromedp.NewContext(allocCtx)
	stop := func() { cancelBrowser(); cancelAlloc(); os.RemoveAll(profile) }
	if err := chromedp.Do(root); err != nil { // starts the browser
		stop()
		return nil, fmt.Errorf("starting chromium: %w", err)
	}
	if chromiums.byLanguage == nil {
		chromiums.byLanguage = map[string]context.Context{}
	}
	chromiums.byLanguage[acceptLanguage] = root
	chromiums.stop = append(chromiums.stop, stop)
	return root, nil
}

// TestMain closes the shared browsers once every test is done.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, stop := range chromiums.stop {
		stop()
	}
	os.Exit(code)
}

// shop is the merchant's site the customer returns to.
func shop(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>Shop</title><h1>Thank you</h1>"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func button(label string) chromedp.Search {
	return chromedp.Search(`//button[normalize-space()='` + label + `']`)
}

func TestBrowserFlows(t *testing.T) {
	k := start(t)
	shopURL := shop(t)
	bankTransfer := func() *stripe.PaymentIntentCreateParams {
		return &stripe.PaymentIntentCreateParams{
			Amount: stripe.Int64(1000000), Currency: stripe.String("idr"), Confirm: stripe.Bool(true),
			PaymentMethodData: &stripe.PaymentIntentCreatePaymentMethodDataParams{Type: stripe.String("bank_transfer_id")},
		}
	}
	tests := []struct {
		name       string
		params     *stripe.PaymentIntentCreateParams
		steps      []chromedp.Action[chromedp.Void]
		wantStatus stripe.PaymentIntentStatus
		redirect   string
	}{
		{"sofort right TAN", sofortParams(), []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.ID("bank-sandbox_sparkasse")),
			chromedp.Click(button("Continue to your bank")),
			chromedp.SendKeys(chromedp.ID("user"), "anthony"),
			chromedp.SendKeys(chromedp.ID("pin"), "0000"),
			chromedp.Click(button("Log in")),
			chromedp.SendKeys(chromedp.ID("tan"), "123456"),
			chromedp.Click(button("Confirm payment")),
		}, stripe.PaymentIntentStatusSucceeded, "succeeded"},
		{"sofort wrong TAN", sofortParams(), []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.ID("bank-sandbox_volksbank")),
			chromedp.Click(button("Continue to your bank")),
			chromedp.SendKeys(chromedp.ID("user"), "anthony"),
			chromedp.SendKeys(chromedp.ID("pin"), "0000"),
			chromedp.Click(button("Log in")),
			chromedp.SendKeys(chromedp.ID("tan"), "654321"),
			chromedp.Click(button("Confirm payment")),
		}, stripe.PaymentIntentStatusRequiresPaymentMethod, "failed"},
		{"bank transfer", bankTransfer(), []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.ID("bank-bca")),
			chromedp.Click(button("Get virtual account number")),
			chromedp.WaitVisible(chromedp.Search(`//*[contains(text(), '39010')]`)),
			chromedp.Click(button("Transfer now (sandbox)")),
		}, stripe.PaymentIntentStatusSucceeded, "succeeded"},
		{"vipps approve", vippsParams(true), []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.ID("phone"), "+47 912 34 567"),
			chromedp.Click(button("Continue")),
			chromedp.Click(button("Approve")),
		}, stripe.PaymentIntentStatusSucceeded, "succeeded"},
		{"vipps reject", vippsParams(true), []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.ID("phone"), "41234567"),
			chromedp.Click(button("Continue")),
			chromedp.Click(button("Reject")),
		}, stripe.PaymentIntentStatusRequiresPaymentMethod, "failed"},
		{"cancel at the bank", sofortParams(), []chromedp.Action[chromedp.Void]{
			chromedp.Click(button("Cancel payment")),
		}, stripe.PaymentIntentStatusRequiresPaymentMethod, "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.params.ReturnURL = stripe.String(shopURL + "/return?order=42")
			pi, err := k.SC.V1PaymentIntents.Create(ctx, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			browserCtx := chrome(t, "")
			actions := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(pi.NextAction.RedirectToURL.URL)}, tc.steps...)
			actions = append(actions, chromedp.WaitVisible(chromedp.Search(`//h1[normalize-space()='Thank you']`)))
			if err := chromedp.Do(browserCtx, actions...); err != nil {
				html, _ := chromedp.Run(browserCtx, chromedp.OuterHTML(chromedp.CSS("html")))
				t.Fatalf("%v\npage:\n%s", err, html)
			}
			landed, err := chromedp.Run(browserCtx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(landed)
			q := u.Query()
			if !strings.HasPrefix(landed, shopURL+"/return?") || q.Get("order") != "42" || q.Get("payment_intent") != pi.ID ||
				q.Get("payment_intent_client_secret") != pi.ClientSecret || q.Get("redirect_status") != tc.redirect {
				t.Fatalf("returned to %s", landed)
			}
			got, err := k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
			if err != nil || got.Status != tc.wantStatus {
				t.Fatalf("intent after the browser: %v %s", err, got.Status)
			}
			if tc.wantStatus == stripe.PaymentIntentStatusRequiresPaymentMethod && got.LastPaymentError == nil {
				t.Fatal("a failed payment without last_payment_error")
			}
		})
	}
}
