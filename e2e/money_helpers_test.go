package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/app"
)

// testRates is the rates file the money tests point Kassa at (ECB CSV):
// round numbers, so expected amounts can be worked out by hand.
// GBP→EUR: ×1.25; CHF→EUR: ÷0.96; IDR→USD: ×1.1/17600 = ÷16000.
//
// Kassa's clock starts on 2026-11-26, whose rates are the 25th's; the 27th
// doubles the pound, for tests that cross midnight.
const testRates = `Date,USD,GBP,CHF,NOK,IDR,
2026-11-27,1.1000,0.50000,0.96000,11.5000,17600.00,
2026-11-25,1.1000,0.80000,0.96000,11.5000,17600.00,
2026-11-24,1.2000,0.90000,0.95000,11.6000,17000.00,
`

// testFees is the fees file the money tests use.
const testFees = `{
	"methods": {
		"sofort":           {"fee_bps": 150, "fee_fixed": 20, "settlement_delay": "24h"},
		"bank_transfer_id": {"fee_bps": 100, "fee_fixed": 30, "dispute_fee": 1500, "settlement_delay": "72h"},
		"vipps":            {"fee_bps": 0, "fee_fixed": 0, "settlement_delay": "48h"}
	}
}`

// withLedger points Kassa at testRates and testFees (and, optionally,
// another refund delay).
func withLedger(t testing.TB) func(*app.Config) {
	dir := t.TempDir()
	rates, fees := filepath.Join(dir, "rates.csv"), filepath.Join(dir, "fees.json")
	if err := os.WriteFile(rates, []byte(testRates), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fees, []byte(testFees), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(c *app.Config) { c.RatesFile, c.FeesFile = rates, fees }
}

// post calls a Kassa route stripe-go has no method for (the sandbox's test
// helpers) through stripe-go's own backend, decoding into out.
func (k *kassa) post(path string, params stripe.ParamsContainer, out stripe.LastResponseSetter) error {
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL:               stripe.String(k.URL),
		MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	if params == nil {
		params = &stripe.Params{}
	}
	return backend.Call("POST", path, k.Keys.SecretKey, params, out)
}

// paid creates a payment with params and has the sandbox customer pay it;
// it returns the intent with its charge.
func (k *kassa) paid(t *testing.T, params *stripe.PaymentIntentCreateParams) (*stripe.PaymentIntent, *stripe.Charge) {
	t.Helper()
	pi, err := k.SC.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.post("/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", nil, &stripe.PaymentIntent{}); err != nil {
		t.Fatal(err)
	}
	pi, err = k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, &stripe.PaymentIntentRetrieveParams{Params: stripe.Params{Expand: []*string{stripe.String("latest_charge")}}})
	if err != nil || pi.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatalf("paying: %v %+v", err, pi)
	}
	return pi, pi.LatestCharge
}

func sofortIn(currency string, amount int64) *stripe.PaymentIntentCreateParams {
	p := sofortParams()
	p.Currency, p.Amount = stripe.String(currency), stripe.Int64(amount)
	return p
}

func bankTransfer(amount int64) *stripe.PaymentIntentCreateParams {
	return &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(amount), Currency: stripe.String("idr"), Confirm: stripe.Bool(true),
		PaymentMethodData: &stripe.PaymentIntentCreatePaymentMethodDataParams{Type: stripe.String("bank_transfer_id")},
		ReturnURL:         stripe.String("https://shop.example/return"),
	}
}

func (k *kassa) charge(t *testing.T, id string) *stripe.Charge {
	t.Helper()
	ch, err := k.SC.V1Charges.Retrieve(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func (k *kassa) balance(t *testing.T) (available, pending map[string]int64) {
	t.Helper()
	b, err := k.SC.V1Balance.Retrieve(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	available, pending = map[string]int64{}, map[string]int64{}
	for _, a := range b.Available {
		available[string(a.Currency)] = a.Amount
	}
	for _, p := range b.Pending {
		pending[string(p.Currency)] = p.Amount
	}
	return available, pending
}

// transactions lists the account's balance transactions, newest first.
func (k *kassa) transactions(t *testing.T, params *stripe.BalanceTransactionListParams) []*stripe.BalanceTransaction {
	t.Helper()
	if params == nil {
		params = &stripe.BalanceTransactionListParams{}
	}
	var out []*stripe.BalanceTransaction
	for bt, err := range k.SC.V1BalanceTransactions.List(ctx, params) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bt)
	}
	return out
}
