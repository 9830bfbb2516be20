package e2e

import (
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
)

// TestBalancesInEURAndUSD pays in GBP, CHF, EUR (Sofort settles in EUR),
// IDR (bank transfers settle in USD) and NOK, refunds and disputes, and
// checks every balance transaction and both balances against amounts
// worked out by hand from testRates and testFees.
func TestBalancesInEURAndUSD(t *testing.T) {
	k := start(t, withLedger(t))
	_, gbp := k.paid(t, sofortIn("gbp", 1000))         // 10.00 GBP × 1.25 = 12.50 EUR
	_, chf := k.paid(t, sofortIn("chf", 2400))         // 24.00 CHF ÷ 0.96 = 25.00 EUR
	_, eur := k.paid(t, sofortIn("eur", 2000))         // 20.00 EUR
	idrPI, idr := k.paid(t, bankTransfer(160_000_000)) // 1,600,000.00 IDR ÷ 16000 = 100.00 USD
	_, nok := k.paid(t, vippsParams(true))             // 10.99 NOK settles in NOK

	for _, tc := range []struct {
		ch          *stripe.Charge
		amount, fee int64
		currency    stripe.Currency
		rate        float64
		delay       time.Duration
	}{
		// Sofort: 1.50 % + 0.20 EUR, banker's rounding: 18.75 → 19; 37.5 → 38 (to even); 30.
		{gbp, 1250, 19 + 20, "eur", 1.25, 24 * time.Hour},
		{chf, 2500, 38 + 20, "eur", 1.04166666667, 24 * time.Hour},
		{eur, 2000, 30 + 20, "eur", 0, 24 * time.Hour},
		// Bank transfer: 1.00 % + 0.30 USD.
		{idr, 10000, 100 + 30, "usd", 0.0000625, 72 * time.Hour},
		{nok, 1099, 0, "nok", 0, 48 * time.Hour},
	} {
		if tc.ch.BalanceTransaction == nil {
			t.Fatalf("charge %s has no balance_transaction", tc.ch.ID)
		}
		bt, err := k.SC.V1BalanceTransactions.Retrieve(ctx, tc.ch.BalanceTransaction.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bt.Amount != tc.amount || bt.Fee != tc.fee || bt.Net != tc.amount-tc.fee || bt.Currency != tc.currency ||
			bt.ExchangeRate != tc.rate || bt.Type != "charge" || bt.ReportingCategory != "charge" || bt.Source.ID != tc.ch.ID ||
			bt.Status != "pending" || bt.AvailableOn != t0.Add(tc.delay).Unix() || bt.Created != t0.Unix() {
			t.Errorf("%s: %+v", tc.ch.Currency, bt)
		}
		if tc.fee > 0 && (len(bt.FeeDetails) != 1 || bt.FeeDetails[0].Amount != tc.fee || bt.FeeDetails[0].Type != "stripe_fee" || bt.FeeDetails[0].Currency != tc.currency) {
			t.Errorf("%s fee details %+v", tc.ch.Currency, bt.FeeDetails)
		}
	}

	// A refund of 4.00 GBP leaves at the charge's rate (5.00 EUR), at once.
	if _, err := k.SC.V1Refunds.Create(ctx, &stripe.RefundCreateParams{Charge: stripe.String(gbp.ID), Amount: stripe.Int64(400)}); err != nil {
		t.Fatal(err)
	}
	// A lost dispute of half the IDR payment: 50.00 USD and the 15.00 USD fee.
	d := k.dispute(t, idrPI.ID, 80_000_000)
	if _, err := k.SC.V1Disputes.Close(ctx, d.ID, nil); err != nil {
		t.Fatal(err)
	}
	check := func(when string, wantAvailable, wantPending map[string]int64) {
		t.Helper()
		available, pending := k.balance(t)
		for _, c := range []string{"eur", "usd", "nok"} {
			if available[c] != wantAvailable[c] || pending[c] != wantPending[c] {
				t.Errorf("%s, %s: available %d pending %d; want %d, %d", when, c, available[c], pending[c], wantAvailable[c], wantPending[c])
			}
		}
		// The balance is the sum of the balance transactions.
		sum := map[string]int64{}
		for _, bt := range k.transactions(t, nil) {
			sum[string(bt.Currency)] += bt.Net
		}
		for c := range sum {
			if sum[c] != available[c]+pending[c] {
				t.Errorf("%s, %s: transactions sum to %d, balance is %d", when, c, sum[c], available[c]+pending[c])
			}
		}
	}
	eurNet := int64(1250 - 39 + 2500 - 58 + 2000 - 50)
	check("at once", map[string]int64{"eur": -500, "usd": -5000 - 1500}, map[string]int64{"eur": eurNet, "usd": 10000 - 130, "nok": 1099})
	k.Clock.Advance(24 * time.Hour)
	check("after a day", map[string]int64{"eur": eurNet - 500, "usd": -6500}, map[string]int64{"usd": 9870, "nok": 1099})
	k.Clock.Advance(48 * time.Hour)
	check("after three days", map[string]int64{"eur": eurNet - 500, "usd": 9870 - 6500, "nok": 1099}, map[string]int64{})

	// Three days on, the latest rates are the 27th's: the pound is worth
	// 2 EUR for a new payment, while a refund of the old one still converts
	// at that payment's rate (1.25).
	_, gbp2 := k.paid(t, sofortIn("gbp", 1000))
	if bt, _ := k.SC.V1BalanceTransactions.Retrieve(ctx, gbp2.BalanceTransaction.ID, nil); bt.Amount != 2000 || bt.ExchangeRate != 2 {
		t.Fatalf("a GBP payment on the 27th: %+v", bt)
	}
	r, err := k.SC.V1Refunds.Create(ctx, &stripe.RefundCreateParams{Charge: stripe.String(gbp.ID), Amount: stripe.Int64(400)})
	if err != nil {
		t.Fatal(err)
	}
	if bt, _ := k.SC.V1BalanceTransactions.Retrieve(ctx, r.BalanceTransaction.ID, nil); bt.Amount != -500 || bt.ExchangeRate != 1.25 || bt.Type != "refund" {
		t.Fatalf("a refund of the 26th's payment: %+v", bt)
	}

	// Filters, and the payout filter Kassa does not have.
	if got := k.transactions(t, &stripe.BalanceTransactionListParams{Type: stripe.String("charge")}); len(got) != 6 {
		t.Errorf("%d charge transactions", len(got))
	}
	if got := k.transactions(t, &stripe.BalanceTransactionListParams{Source: stripe.String(gbp.ID)}); len(got) != 1 || got[0].ID != gbp.BalanceTransaction.ID {
		t.Errorf("by source: %+v", got)
	}
	if got := k.transactions(t, &stripe.BalanceTransactionListParams{Currency: stripe.String("usd")}); len(got) != 2 {
		t.Errorf("%d usd transactions", len(got))
	}
	if got := k.transactions(t, &stripe.BalanceTransactionListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThan: t0.Add(time.Hour).Unix()}}); len(got) != 2 {
		t.Errorf("%d transactions after the first hour", len(got))
	}
	for _, err := range k.SC.V1BalanceTransactions.List(ctx, &stripe.BalanceTransactionListParams{Payout: stripe.String("po_1")}) {
		if se := stripeError(t, err); se.Param != "payout" || se.HTTPStatusCode != 400 {
			t.Errorf("payout filter: %+v", se)
		}
		break
	}
	// expand[]=source gives the object that moved the money.
	p := &stripe.BalanceTransactionRetrieveParams{}
	p.AddExpand("source")
	bt, err := k.SC.V1BalanceTransactions.Retrieve(ctx, r.BalanceTransaction.ID, p)
	if err != nil || bt.Source.Type != "refund" || bt.Source.Refund == nil || bt.Source.Refund.Amount != 400 {
		t.Fatalf("expanded source: %v %+v", err, bt.Source)
	}
}

// TestOnlyCapturedMoneyIsBooked: a partial capture books what was
// captured; a canceled authorization books nothing (it is released, shown
// as refunded, with no refund object).
func TestOnlyCapturedMoneyIsBooked(t *testing.T) {
	k := start(t, withLedger(t))
	manual := func() *stripe.PaymentIntent {
		p := vippsParams(true)
		p.CaptureMethod = stripe.String("manual")
		pi, err := k.SC.V1PaymentIntents.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.post("/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", nil, &stripe.PaymentIntent{}); err != nil {
			t.Fatal(err)
		}
		return pi
	}
	captured, released := manual(), manual()
	if got := k.transactions(t, nil); len(got) != 0 {
		t.Fatalf("authorizations booked: %+v", got)
	}
	if _, err := k.SC.V1PaymentIntents.Capture(ctx, captured.ID, &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(600)}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.SC.V1PaymentIntents.Cancel(ctx, released.ID, nil); err != nil {
		t.Fatal(err)
	}
	got := k.transactions(t, nil)
	if len(got) != 1 || got[0].Amount != 600 || got[0].Currency != "nok" {
		t.Fatalf("booked %+v", got)
	}
	// Refunds reach only what was captured.
	_, err := k.SC.V1Refunds.Create(ctx, refundParams(captured.ID, 601))
	if se := stripeError(t, err); se.Code != "amount_too_large" {
		t.Fatalf("refund beyond the capture: %+v", se)
	}
	_, err = k.SC.V1Refunds.Create(ctx, refundParams(released.ID, 0))
	if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" {
		t.Fatalf("refund of a canceled intent: %+v", se)
	}
	if _, pending := k.balance(t); pending["nok"] != 600 {
		t.Fatalf("pending %d", pending["nok"])
	}
}
