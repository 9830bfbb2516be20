package gateway

import (
	"context"

	"kassa/internal/ids"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// offSessionPrefix marks the internal attempt of an off-session charge
// (it has no page: the acquirer answers at once).
const offSessionPrefix = "off"

// ChargeOffSession creates an intent for a saved payment method and
// charges its agreement at once, without the customer (Stripe's
// confirm=true with off_session=true). The intent ends succeeded (or
// requires_capture), or requires_payment_method with the acquirer's reason
// when it declines, e.g. because the customer revoked the agreement.
func (g *Gateway) ChargeOffSession(ctx context.Context, tx store.Tx, c *Caller, in payments.IntentInput, paymentMethodID string) (*payments.PaymentIntent, error) {
	pm, err := paymentMethod(ctx, tx, c.AccountID, paymentMethodID, "payment_method")
	if err != nil {
		return nil, err
	}
	in.PaymentMethod = pm
	id := ids.New(ids.PaymentIntent)
	pi, events, err := payments.NewIntent(id, c.AccountID, id+"_secret_"+ids.Random(24), in, g.Clock.Now())
	if err != nil {
		return nil, err
	}
	attempt := ids.Token(offSessionPrefix, 32)
	if err := payments.BeginOffSession(pi, pm, attempt); err != nil {
		return nil, err
	}
	declined, err := g.Acquirer.ChargeAgreement(ctx, pi, pm)
	if err != nil {
		return nil, err
	}
	if err := tx.InsertIntent(ctx, pi); err != nil {
		return nil, err
	}
	if err := g.record(ctx, tx, c.AccountID, c, events); err != nil {
		return nil, err
	}
	outcome := OutcomeAuthorize
	if declined != "" {
		outcome = OutcomeDecline
	}
	return pi, g.finishAttempt(ctx, tx, pi, attempt, outcome, declined, c)
}

// RevokeAgreement ends a payment method's saved agreement (in the sandbox,
// the customer stopping it in the wallet).
func (g *Gateway) RevokeAgreement(ctx context.Context, tx store.Tx, c *Caller, paymentMethodID string) (*payments.PaymentMethod, error) {
	pm, err := paymentMethod(ctx, tx, c.AccountID, paymentMethodID, "payment_method")
	if err != nil {
		return nil, err
	}
	if err := payments.RevokeAgreement(pm, g.Clock.Now()); err != nil {
		return nil, err
	}
	return pm, tx.UpdatePaymentMethod(ctx, pm)
}
