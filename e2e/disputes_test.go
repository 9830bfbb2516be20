package e2e

import (
	"testing"

	"github.com/stripe/stripe-go/v82"
)

func (k *kassa) dispute(t *testing.T, pi string, amount int64) *stripe.Dispute {
	t.Helper()
	params := &stripe.Params{}
	if amount > 0 {
		params.AddExtra("amount", itoa64(amount))
	}
	params.AddExtra("reason", "fraudulent")
	var d stripe.Dispute
	if err := k.post("/v1/test_helpers/payment_intents/"+pi+"/dispute", params, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func TestDisputeWon(t *testing.T) {
	k := start(t, withLedger(t))
	// 1,600,000.00 IDR = 100.00 USD at the test rates (÷16000).
	pi, ch := k.paid(t, bankTransfer(160_000_000))
	d := k.dispute(t, pi.ID, 0)
	if d.Status != stripe.DisputeStatusNeedsResponse || d.Amount != 160_000_000 || d.Currency != "idr" || d.Charge.ID != ch.ID ||
		d.PaymentIntent.ID != pi.ID || d.Reason != "fraudulent" || d.EvidenceDetails.DueBy != t0.Unix()+7*24*3600 || d.IsChargeRefundable {
		t.Fatalf("dispute %+v", d)
	}
	// The funds leave at once, with the dispute fee.
	if len(d.BalanceTransactions) != 1 {
		t.Fatalf("balance transactions %+v", d.BalanceTransactions)
	}
	w := d.BalanceTransactions[0]
	if w.Amount != -10000 || w.Fee != 1500 || w.Net != -11500 || w.Currency != "usd" || w.ReportingCategory != "dispute" ||
		w.Type != "adjustment" || w.Status != "available" || w.ExchangeRate != 0.0000625 {
		t.Fatalf("withdrawal %+v", w)
	}
	if got := k.charge(t, ch.ID); !got.Disputed {
		t.Fatal("charge.disputed is false")
	}
	_, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 0))
	if se := stripeError(t, err); se.Code != "charge_disputed" {
		t.Fatalf("refund of a disputed payment: %+v", se)
	}
	// Evidence staged, then submitted.
	up := &stripe.DisputeUpdateParams{
		Evidence: &stripe.DisputeUpdateEvidenceParams{CustomerName: stripe.String("Budi Santoso"), ProductDescription: stripe.String("Batik, size M")},
		Submit:   stripe.Bool(false),
	}
	d, err = k.SC.V1Disputes.Update(ctx, d.ID, up)
	if err != nil || d.Status != stripe.DisputeStatusNeedsResponse || !d.EvidenceDetails.HasEvidence || d.Evidence.CustomerName != "Budi Santoso" {
		t.Fatalf("staged: %v %+v", err, d)
	}
	d, err = k.SC.V1Disputes.Update(ctx, d.ID, &stripe.DisputeUpdateParams{
		Evidence: &stripe.DisputeUpdateEvidenceParams{ShippingTrackingNumber: stripe.String("JNE123")}, Submit: stripe.Bool(true)})
	if err != nil || d.Status != stripe.DisputeStatusUnderReview || d.EvidenceDetails.SubmissionCount != 1 ||
		d.Evidence.ProductDescription != "Batik, size M" || d.Evidence.ShippingTrackingNumber != "JNE123" {
		t.Fatalf("submitted: %v %+v", err, d)
	}
	_, err = k.SC.V1Disputes.Update(ctx, d.ID, &stripe.DisputeUpdateParams{Evidence: &stripe.DisputeUpdateEvidenceParams{Receipt: stripe.String("file_1")}})
	if se := stripeError(t, err); se.Code != "dispute_unexpected_state" {
		t.Fatalf("evidence after submission: %+v", se)
	}
	_, err = k.SC.V1Disputes.Close(ctx, d.ID, nil)
	if se := stripeError(t, err); se.Code != "dispute_unexpected_state" {
		t.Fatalf("closing a dispute under review: %+v", se)
	}
	var won stripe.Dispute
	if err := k.post("/v1/test_helpers/disputes/"+d.ID+"/win", nil, &won); err != nil {
		t.Fatal(err)
	}
	if won.Status != stripe.DisputeStatusWon || len(won.BalanceTransactions) != 2 {
		t.Fatalf("won %+v", won)
	}
	back := won.BalanceTransactions[1]
	if back.Amount != 10000 || back.Fee != 0 || back.ReportingCategory != "dispute_reversal" {
		t.Fatalf("reinstatement %+v", back)
	}
	// Won: the payment can be refunded again; the charge stays marked disputed.
	if _, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 16_000_000)); err != nil {
		t.Fatalf("refund after a won dispute: %v", err)
	}
	if got := k.charge(t, ch.ID); !got.Disputed || got.AmountRefunded != 16_000_000 {
		t.Fatalf("charge %+v", got)
	}
	assertEventTypes(t, k, d.ID, "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.updated",
		"charge.dispute.updated", "charge.dispute.closed", "charge.dispute.funds_reinstated")
	// USD: the charge's 100.00 − 1.30 fee pending for 72 hours; −115.00 out and +100.00 back,
	// and the 10.00 refund out, at once.
	available, pending := k.balance(t)
	if available["usd"] != -11500+10000-1000 || pending["usd"] != 10000-130 {
		t.Fatalf("usd balance: available %d, pending %d", available["usd"], pending["usd"])
	}
}

func TestDisputesLost(t *testing.T) {
	k := start(t, withLedger(t))
	// Closed by the merchant, after a partial refund: the dispute takes what refunds left.
	pi, ch := k.paid(t, bankTransfer(32_000_000)) // 20.00 USD
	if _, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 16_000_000)); err != nil {
		t.Fatal(err)
	}
	d := k.dispute(t, pi.ID, 0)
	if d.Amount != 16_000_000 {
		t.Fatalf("disputed %d, want what refunds left", d.Amount)
	}
	d, err := k.SC.V1Disputes.Close(ctx, d.ID, nil)
	if err != nil || d.Status != stripe.DisputeStatusLost {
		t.Fatalf("close: %v %+v", err, d)
	}
	_, err = k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 0))
	if se := stripeError(t, err); se.Code != "charge_disputed" {
		t.Fatalf("refund after a lost dispute: %+v", se)
	}
	if got := k.charge(t, ch.ID); got.AmountRefunded != 16_000_000 || got.Refunded || !got.Disputed {
		t.Fatalf("charge %+v", got)
	}
	// Lost at the bank, for part of a payment: the rest can be refunded, not more.
	pi2, _ := k.paid(t, bankTransfer(32_000_000))
	d2 := k.dispute(t, pi2.ID, 8_000_000)
	var lost stripe.Dispute
	if err := k.post("/v1/test_helpers/disputes/"+d2.ID+"/lose", nil, &lost); err != nil || lost.Status != stripe.DisputeStatusLost || len(lost.BalanceTransactions) != 1 {
		t.Fatalf("lose: %v %+v", err, lost)
	}
	_, err = k.SC.V1Refunds.Create(ctx, refundParams(pi2.ID, 24_000_001))
	if se := stripeError(t, err); se.Code != "amount_too_large" {
		t.Fatalf("refund into the lost amount: %+v", se)
	}
	if r, err := k.SC.V1Refunds.Create(ctx, refundParams(pi2.ID, 0)); err != nil || r.Amount != 24_000_000 {
		t.Fatalf("refund of the rest: %v %+v", err, r)
	}
	assertEventTypes(t, k, d2.ID, "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.closed")
	// Lists by payment.
	n := 0
	for got, err := range k.SC.V1Disputes.List(ctx, &stripe.DisputeListParams{PaymentIntent: stripe.String(pi2.ID)}) {
		if err != nil || got.ID != d2.ID {
			t.Fatalf("%v %+v", err, got)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d disputes listed for %s", n, pi2.ID)
	}
	// Refunds plus lost disputes came to exactly what both payments received.
	var refunded int64
	for r, err := range k.SC.V1Refunds.List(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		refunded += r.Amount
	}
	if refunded+16_000_000+8_000_000 != 64_000_000 {
		t.Fatalf("refunded %d", refunded)
	}
}

func TestDisputeRules(t *testing.T) {
	k := start(t, withLedger(t))
	sofort, _ := k.paid(t, sofortIn("eur", 2000))
	var d stripe.Dispute
	err := k.post("/v1/test_helpers/payment_intents/"+sofort.ID+"/dispute", nil, &d)
	if se := stripeError(t, err); se.Code != "charge_not_disputable" {
		t.Fatalf("sofort has no chargebacks: %+v", se)
	}
	waiting, err := k.SC.V1PaymentIntents.Create(ctx, bankTransfer(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	err = k.post("/v1/test_helpers/payment_intents/"+waiting.ID+"/dispute", nil, &d)
	if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" {
		t.Fatalf("dispute of an unpaid intent: %+v", se)
	}
	pi, _ := k.paid(t, bankTransfer(1_000_000))
	params := &stripe.Params{}
	params.AddExtra("amount", "1000001")
	err = k.post("/v1/test_helpers/payment_intents/"+pi.ID+"/dispute", params, &d)
	if se := stripeError(t, err); se.Code != "amount_too_large" || se.Param != "amount" {
		t.Fatalf("dispute over the amount: %+v", se)
	}
	first := k.dispute(t, pi.ID, 0)
	err = k.post("/v1/test_helpers/payment_intents/"+pi.ID+"/dispute", nil, &d)
	if se := stripeError(t, err); se.Code != "charge_disputed" {
		t.Fatalf("a second dispute: %+v", se)
	}
	_, err = k.SC.V1Disputes.Update(ctx, first.ID, &stripe.DisputeUpdateParams{Submit: stripe.Bool(true)})
	if se := stripeError(t, err); se.Code != "parameter_missing" || se.Param != "evidence" {
		t.Fatalf("submitting no evidence: %+v", se)
	}
	up := &stripe.DisputeUpdateParams{}
	up.AddExtra("evidence[favourite_colour]", "blue")
	_, err = k.SC.V1Disputes.Update(ctx, first.ID, up)
	if se := stripeError(t, err); se.Code != "parameter_unknown" || se.Param != "evidence[favourite_colour]" {
		t.Fatalf("unknown evidence: %+v", se)
	}
	if got, err := k.SC.V1Disputes.Retrieve(ctx, first.ID, nil); err != nil || got.Status != stripe.DisputeStatusNeedsResponse || got.EvidenceDetails.HasEvidence {
		t.Fatalf("refused updates changed the dispute: %v %+v", err, got)
	}
	_, err = k.client(k.account("Other Shop").SecretKey).V1Disputes.Retrieve(ctx, first.ID, nil)
	if se := stripeError(t, err); se.HTTPStatusCode != 404 {
		t.Fatalf("another account's dispute: %+v", se)
	}
}
