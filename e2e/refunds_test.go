package e2e

import (
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/app"
)

func refundParams(pi string, amount int64) *stripe.RefundCreateParams {
	p := &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi)}
	if amount > 0 {
		p.Amount = stripe.Int64(amount)
	}
	return p
}

func TestRefundsFullPartialAndMultiplePartial(t *testing.T) {
	k := start(t, withLedger(t))
	pi, ch := k.paid(t, sofortIn("eur", 2000))

	p := refundParams(pi.ID, 500)
	p.Reason = stripe.String("requested_by_customer")
	p.AddMetadata("ticket", "T-1")
	first, err := k.SC.V1Refunds.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if first.Amount != 500 || first.Status != stripe.RefundStatusPending || first.Charge.ID != ch.ID || first.PaymentIntent.ID != pi.ID ||
		first.Reason != "requested_by_customer" || first.Metadata["ticket"] != "T-1" || first.Currency != "eur" || first.BalanceTransaction == nil {
		t.Fatalf("first refund %+v", first)
	}
	// Partial refunds again, by charge this time.
	second, err := k.SC.V1Refunds.Create(ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID), Amount: stripe.Int64(700)})
	if err != nil || second.Amount != 700 {
		t.Fatalf("second refund %v %+v", err, second)
	}
	_, err = k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 801))
	if se := stripeError(t, err); se.Code != "amount_too_large" || se.Param != "amount" {
		t.Fatalf("more than remains: %+v", se)
	}
	got := k.charge(t, ch.ID)
	if got.AmountRefunded != 1200 || got.Refunded || got.Refunds == nil || len(got.Refunds.Data) != 2 || got.Refunds.Data[0].ID != second.ID {
		t.Fatalf("charge after two refunds: refunded %d %v %+v", got.AmountRefunded, got.Refunded, got.Refunds)
	}
	// Without an amount, a refund takes all that remains.
	last, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 0))
	if err != nil || last.Amount != 800 {
		t.Fatalf("the rest: %v %+v", err, last)
	}
	got = k.charge(t, ch.ID)
	if got.AmountRefunded != 2000 || !got.Refunded || len(got.Refunds.Data) != 3 {
		t.Fatalf("fully refunded charge: %d %v", got.AmountRefunded, got.Refunded)
	}
	_, err = k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 1))
	if se := stripeError(t, err); se.Code != "charge_already_refunded" {
		t.Fatalf("refund of a refunded charge: %+v", se)
	}
	// Lists filter by payment and by charge; another payment's refund stays out.
	other, _ := k.paid(t, sofortIn("eur", 300))
	if _, err := k.SC.V1Refunds.Create(ctx, refundParams(other.ID, 0)); err != nil {
		t.Fatal(err)
	}
	for name, params := range map[string]*stripe.RefundListParams{
		"payment_intent": {PaymentIntent: stripe.String(pi.ID)},
		"charge":         {Charge: stripe.String(ch.ID)},
	} {
		n, sum := 0, int64(0)
		for r, err := range k.SC.V1Refunds.List(ctx, params) {
			if err != nil {
				t.Fatal(err)
			}
			n, sum = n+1, sum+r.Amount
		}
		if n != 3 || sum != 2000 {
			t.Errorf("list by %s: %d refunds of %d", name, n, sum)
		}
	}
	// Update metadata, retrieve.
	up := &stripe.RefundUpdateParams{}
	up.AddMetadata("ticket", "")
	up.AddMetadata("note", "goodwill")
	updated, err := k.SC.V1Refunds.Update(ctx, first.ID, up)
	if err != nil || updated.Metadata["note"] != "goodwill" || updated.Metadata["ticket"] != "" {
		t.Fatalf("update: %v %+v", err, updated.Metadata)
	}
	again, err := k.SC.V1Refunds.Retrieve(ctx, first.ID, nil)
	if err != nil || again.Metadata["note"] != "goodwill" || again.Amount != 500 {
		t.Fatalf("retrieve: %v %+v", err, again)
	}
	assertEventTypes(t, k, pi.ID, "payment_intent.created", "payment_intent.requires_action", "charge.succeeded", "payment_intent.succeeded",
		"refund.created", "charge.refunded", "refund.created", "charge.refunded", "refund.created", "charge.refunded", "refund.updated")
}

func TestRefundSettlesAfterTheSandboxDelayOrFails(t *testing.T) {
	k := start(t, withLedger(t), func(c *app.Config) { c.RefundDelay = time.Minute })
	pi, ch := k.paid(t, sofortIn("eur", 2000))
	r, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 600))
	if err != nil {
		t.Fatal(err)
	}
	k.Clock.Advance(59 * time.Second)
	time.Sleep(30 * time.Millisecond) // several timer rounds: nothing is due yet
	if r, _ := k.SC.V1Refunds.Retrieve(ctx, r.ID, nil); r.Status != stripe.RefundStatusPending {
		t.Fatalf("settled early: %s", r.Status)
	}
	k.Clock.Advance(time.Second)
	eventually(t, "the refund succeeds", func() bool {
		r, err = k.SC.V1Refunds.Retrieve(ctx, r.ID, nil)
		return err == nil && r.Status == stripe.RefundStatusSucceeded
	})
	assertEventTypes(t, k, r.ID, "refund.created", "refund.updated", "charge.refund.updated")

	// A failed refund gives its amount back to what can be refunded.
	failing, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 1400))
	if err != nil {
		t.Fatal(err)
	}
	if got := k.charge(t, ch.ID); got.AmountRefunded != 2000 || !got.Refunded {
		t.Fatalf("a pending refund counts: %d", got.AmountRefunded)
	}
	var failed stripe.Refund
	if err := k.post("/v1/test_helpers/refunds/"+failing.ID+"/fail", nil, &failed); err != nil {
		t.Fatal(err)
	}
	if failed.Status != stripe.RefundStatusFailed || failed.FailureReason != "declined" || failed.FailureBalanceTransaction == nil {
		t.Fatalf("failed refund %+v", failed)
	}
	if got := k.charge(t, ch.ID); got.AmountRefunded != 600 || got.Refunded {
		t.Fatalf("after the failure: %d", got.AmountRefunded)
	}
	assertEventTypes(t, k, failing.ID, "refund.created", "refund.failed", "refund.updated", "charge.refund.updated")
	// Its timer no longer applies; helpers on a decided refund are refused.
	k.Clock.Advance(2 * time.Minute)
	err = k.post("/v1/test_helpers/refunds/"+failing.ID+"/succeed", nil, &stripe.Refund{})
	if se := stripeError(t, err); se.Code != "refund_unexpected_state" || se.HTTPStatusCode != 400 {
		t.Fatalf("succeed after fail: %+v", se)
	}
	// Canceling a pending refund has the same effect; a decided one cannot be canceled.
	pending, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 1400))
	if err != nil {
		t.Fatal(err)
	}
	canceled, err := k.SC.V1Refunds.Cancel(ctx, pending.ID, nil)
	if err != nil || canceled.Status != stripe.RefundStatusCanceled || canceled.FailureReason != "merchant_request" {
		t.Fatalf("cancel: %v %+v", err, canceled)
	}
	_, err = k.SC.V1Refunds.Cancel(ctx, r.ID, nil)
	if se := stripeError(t, err); se.Code != "refund_unexpected_state" {
		t.Fatalf("cancel a succeeded refund: %+v", se)
	}
	if got := k.charge(t, ch.ID); got.AmountRefunded != 600 {
		t.Fatalf("after the cancel: %d", got.AmountRefunded)
	}
	// The ledger: refunds out at once, failures and cancels back, all at the charge's rate.
	var sum int64
	for _, bt := range k.transactions(t, &stripe.BalanceTransactionListParams{Type: stripe.String("refund")}) {
		sum += bt.Net
	}
	for _, bt := range k.transactions(t, &stripe.BalanceTransactionListParams{Type: stripe.String("refund_failure")}) {
		sum += bt.Net
	}
	if sum != -600 {
		t.Fatalf("refunds net %d in the ledger, want -600", sum)
	}
}

func TestRefundErrors(t *testing.T) {
	k := start(t, withLedger(t))
	waiting, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		params *stripe.RefundCreateParams
		status int
		code   string
		param  string
	}{
		"not paid yet":      {refundParams(waiting.ID, 0), 400, "payment_intent_unexpected_state", ""},
		"unknown intent":    {refundParams("pi_nope", 0), 404, "resource_missing", "payment_intent"},
		"unknown charge":    {&stripe.RefundCreateParams{Charge: stripe.String("ch_nope")}, 404, "resource_missing", "charge"},
		"neither":           {&stripe.RefundCreateParams{Amount: stripe.Int64(5)}, 400, "parameter_missing", "payment_intent"},
		"unknown reason":    {&stripe.RefundCreateParams{PaymentIntent: stripe.String(waiting.ID), Reason: stripe.String("whim")}, 400, "payment_intent_unexpected_state", ""},
		"unknown parameter": {&stripe.RefundCreateParams{PaymentIntent: stripe.String(waiting.ID), ReverseTransfer: stripe.Bool(true)}, 400, "parameter_unknown", "reverse_transfer"},
		"amount not integer": {func() *stripe.RefundCreateParams {
			p := refundParams(waiting.ID, 0)
			p.AddExtra("amount", "1.5")
			return p
		}(), 400, "parameter_invalid_integer", "amount"},
	} {
		_, err := k.SC.V1Refunds.Create(ctx, tc.params)
		if se := stripeError(t, err); se.HTTPStatusCode != tc.status || string(se.Code) != tc.code || se.Param != tc.param {
			t.Errorf("%s: %d %s %q (%s)", name, se.HTTPStatusCode, se.Code, se.Param, se.Msg)
		}
	}
	pi, ch := k.paid(t, sofortIn("eur", 1000))
	other, _ := k.paid(t, sofortIn("eur", 1000))
	for name, tc := range map[string]struct {
		params *stripe.RefundCreateParams
		code   string
		param  string
	}{
		"unknown reason":       {&stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Reason: stripe.String("whim")}, "parameter_invalid", "reason"},
		"zero":                 {&stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(0)}, "amount_too_small", "amount"},
		"charge of another pi": {&stripe.RefundCreateParams{PaymentIntent: stripe.String(other.ID), Charge: stripe.String(ch.ID)}, "parameter_invalid", "charge"},
	} {
		_, err := k.SC.V1Refunds.Create(ctx, tc.params)
		if se := stripeError(t, err); string(se.Code) != tc.code || se.Param != tc.param {
			t.Errorf("%s: %s %q (%s)", name, se.Code, se.Param, se.Msg)
		}
	}
	if got := k.charge(t, ch.ID); got.AmountRefunded != 0 {
		t.Fatalf("refused refunds changed the charge: %d", got.AmountRefunded)
	}
	// Another account's refund is not found.
	r, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, 100))
	if err != nil {
		t.Fatal(err)
	}
	stranger := k.client(k.account("Other Shop").SecretKey)
	_, err = stranger.V1Refunds.Retrieve(ctx, r.ID, nil)
	if se := stripeError(t, err); se.HTTPStatusCode != 404 || se.Code != "resource_missing" {
		t.Fatalf("another account's refund: %+v", se)
	}
	_, err = stranger.V1Refunds.Create(ctx, refundParams(pi.ID, 100))
	if se := stripeError(t, err); se.HTTPStatusCode != 404 {
		t.Fatalf("refunding another account's payment: %+v", se)
	}
}

// TestConcurrentRefundsNeverOverRefund fires hundreds of refunds at one
// payment at once: what succeeds adds up exactly to amount_refunded and to
// the ledger, never beyond what was received; every other request gets
// Stripe's error.
func TestConcurrentRefundsNeverOverRefund(t *testing.T) {
	k := start(t, withLedger(t))
	pi, ch := k.paid(t, sofortIn("eur", 20000))
	var mu sync.Mutex
	var succeeded int64
	codes := map[string]int{}
	ok, errs := race(300, func(i int) error {
		amount := []int64{70, 130}[i%2]
		r, err := k.SC.V1Refunds.Create(ctx, refundParams(pi.ID, amount))
		if err == nil {
			mu.Lock()
			succeeded += r.Amount
			mu.Unlock()
		}
		return err
	})
	for _, err := range errs {
		codes[string(stripeError(t, err).Code)]++
	}
	if ok+codes["amount_too_large"]+codes["charge_already_refunded"] != 300 {
		t.Fatalf("%d succeeded, errors %v", ok, codes)
	}
	// 150 × 70 + 150 × 130 = 30000 were asked for 20000: some must lose.
	if succeeded > 20000 || succeeded < 20000-130 || len(errs) == 0 {
		t.Fatalf("refunded %d of 20000 in %d refunds, errors %v", succeeded, ok, codes)
	}
	t.Logf("%d refunds took %d of 20000; refused: %v", ok, succeeded, codes)
	got := k.charge(t, ch.ID)
	var listed int64
	n := 0
	for r, err := range k.SC.V1Refunds.List(ctx, &stripe.RefundListParams{PaymentIntent: stripe.String(pi.ID)}) {
		if err != nil {
			t.Fatal(err)
		}
		listed, n = listed+r.Amount, n+1
	}
	var ledger int64
	for _, bt := range k.transactions(t, &stripe.BalanceTransactionListParams{Type: stripe.String("refund")}) {
		ledger += bt.Amount
	}
	if got.AmountRefunded != succeeded || listed != succeeded || n != ok || ledger != -succeeded {
		t.Fatalf("amount_refunded %d, listed %d in %d, ledger %d; the successful requests refunded %d in %d",
			got.AmountRefunded, listed, n, ledger, succeeded, ok)
	}
}
