package api

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kassa/internal/ledger"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var created = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// golden compares v's JSON with testdata/name, Stripe's wire shape as Kassa renders it.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(append(got, '\n')) != string(want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func sofortIntent() *payments.PaymentIntent {
	return &payments.PaymentIntent{
		ID: "pi_123", AccountID: "acct_1", Amount: 2000, Currency: "eur", Status: payments.RequiresAction,
		CaptureMethod: payments.CaptureAutomaticAsync, ClientSecret: "pi_123_secret_abc",
		Metadata: map[string]string{"order": "42"}, PaymentMethodID: "pm_123",
		PaymentMethodTypes: []methods.Type{methods.Sofort}, ReturnURL: "https://shop.example/return",
		Pending: &payments.Pending{Attempt: "att_1", Method: methods.Sofort,
			RedirectURL: "http://127.0.0.1:8080/sandbox/pay/att_1", ReturnURL: "https://shop.example/return"},
		Created: created,
	}
}

func TestGoldenRequiresAction(t *testing.T) {
	golden(t, "payment_intent_requires_action.json", renderIntent(sofortIntent(), intentRelations{}))
}

func TestGoldenPaymentFailed(t *testing.T) {
	pi := &payments.PaymentIntent{
		ID: "pi_456", AccountID: "acct_1", Amount: 1099, Currency: "nok", Status: payments.RequiresPaymentMethod,
		CaptureMethod: payments.CaptureManual, ClientSecret: "pi_456_secret_def", VippsReference: "ORDER_123",
		PaymentMethodTypes: []methods.Type{methods.Vipps}, LatestChargeID: "ch_456",
		LastPaymentError: &payments.PaymentError{Type: "invalid_request_error", Code: payments.CodeAttemptExpired,
			Message: "The customer did not open the payment page in time.", PaymentMethodID: "pm_456", ChargeID: "ch_456"},
		Created: created,
	}
	pm := &payments.PaymentMethod{ID: "pm_456", AccountID: "acct_1", Type: methods.Vipps, Created: created}
	golden(t, "payment_intent_payment_failed.json", renderIntent(pi, intentRelations{lastPaymentMethod: pm}))
}

func TestGoldenChargeEvent(t *testing.T) {
	ch := &payments.Charge{
		ID: "ch_123", AccountID: "acct_1", PaymentIntentID: "pi_123", PaymentMethodID: "pm_123", Method: methods.Sofort,
		Amount: 2000, AmountCaptured: 2000, Currency: "eur", Status: payments.ChargeSucceeded, Captured: true,
		BillingDetails: payments.BillingDetails{Name: "Anthony VDK", Address: payments.Address{Country: "DE"}},
		Created:        created,
	}
	e := &store.Event{ID: "evt_123", AccountID: "acct_1", Type: payments.EventChargeSucceeded, APIVersion: "2025-08-27.basil",
		Created: created, Object: ch}
	golden(t, "event_charge_succeeded.json", renderEvent(e))
}

func TestGoldenRefundAndChargeWithRefunds(t *testing.T) {
	r := &payments.Refund{ID: "re_123", AccountID: "acct_1", ChargeID: "ch_123", PaymentIntentID: "pi_123", Method: methods.Sofort,
		Amount: 500, Currency: "gbp", Status: payments.RefundFailed, Reason: "requested_by_customer", FailureReason: "declined",
		BalanceTransactionID: "txn_1", FailureBalanceTransactionID: "txn_2", SettlementTaken: 569, Created: created}
	golden(t, "refund_failed.json", renderRefund(r))
	ch := &payments.Charge{
		ID: "ch_123", AccountID: "acct_1", PaymentIntentID: "pi_123", PaymentMethodID: "pm_123", Method: methods.Sofort,
		Amount: 2000, AmountCaptured: 2000, AmountRefunded: 500, Currency: "gbp", Status: payments.ChargeSucceeded, Captured: true,
		BalanceTransactionID: "txn_0", Created: created,
	}
	pending := *r
	pending.ID, pending.Status, pending.FailureReason, pending.FailureBalanceTransactionID = "re_124", payments.RefundPending, "", ""
	golden(t, "charge_with_refunds.json", renderCharge(ch, &chargeRefunds{items: []*payments.Refund{&pending, r}}))
}

func TestGoldenDisputeAndBalanceTransactions(t *testing.T) {
	rate := &ledger.Rate{Date: "2026-11-25", From: "idr", To: "usd", FromPerEUR: "19321.45", ToPerEUR: "1.1587"}
	withdrawal := &ledger.Transaction{ID: "txn_w", AccountID: "acct_1", Type: "adjustment", ReportingCategory: "dispute",
		Source: "dp_123", Amount: -8995, Fee: 1500, Net: -10495, Currency: "usd", ExchangeRate: rate,
		FeeDetails:  []ledger.FeeDetail{{Amount: 1500, Currency: "usd", Description: "Dispute fee", Type: "stripe_fee"}},
		Description: "Chargeback withdrawal for ch_123", AvailableOn: created, Created: created}
	d := &payments.Dispute{ID: "dp_123", AccountID: "acct_1", ChargeID: "ch_123", PaymentIntentID: "pi_123",
		Method: methods.BankTransferID, Amount: 150000000, Currency: "idr", Status: payments.DisputeUnderReview, Reason: "fraudulent",
		Evidence: map[string]string{"customer_name": "Budi"}, SubmissionCount: 1, DueBy: created.Add(7 * 24 * time.Hour),
		BalanceTransactions: []*ledger.Transaction{withdrawal}, Withdrawn: 8995, Created: created}
	golden(t, "dispute_under_review.json", renderDispute(d, created))
	charge := &ledger.Transaction{ID: "txn_c", AccountID: "acct_1", Type: "charge", ReportingCategory: "charge", Source: "ch_123",
		Amount: 8995, Fee: 120, Net: 8875, Currency: "usd", ExchangeRate: rate,
		FeeDetails:  []ledger.FeeDetail{{Amount: 120, Currency: "usd", Description: "Kassa processing fees", Type: "stripe_fee"}},
		AvailableOn: created.Add(72 * time.Hour), Created: created}
	golden(t, "balance_transaction_charge_pending.json", renderBalanceTransaction(charge, created.Add(71*time.Hour)))
	if renderBalanceTransaction(charge, created.Add(72*time.Hour))["status"] != "available" {
		t.Fatal("a charge is available from its available_on")
	}
}
