package payments

import (
	"time"

	"kassa/internal/methods"
)

// SetupOffSession is the one setup_future_usage Kassa supports: save the
// customer's agreement so the merchant can charge later without them.
const SetupOffSession = "off_session"

// Agreement states.
const (
	AgreementActive  = "active"
	AgreementRevoked = "revoked"
)

// Agreement is a customer's consent, given while paying, that the merchant
// may charge the same payment method again without them (a Vipps
// recurring agreement). The acquirer honours it until it is revoked.
type Agreement struct {
	Status string `json:"status"`
	// IntentID is the payment during which the customer agreed.
	IntentID  string    `json:"payment_intent"`
	Created   time.Time `json:"created"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// Active reports whether pm carries an agreement the acquirer may charge.
func (pm *PaymentMethod) Active() bool {
	return pm.Agreement != nil && pm.Agreement.Status == AgreementActive
}

// checkSetupFutureUsage refuses a setup the intent's methods cannot keep:
// only methods with reusable agreements may save one.
func checkSetupFutureUsage(pi *PaymentIntent) error {
	switch pi.SetupFutureUsage {
	case "":
		return nil
	case SetupOffSession:
	default:
		return invalid(CodeParameterInvalid, "setup_future_usage",
			"Invalid setup_future_usage: Kassa supports only off_session.")
	}
	for _, t := range pi.PaymentMethodTypes {
		if m, _ := methods.Lookup(t); !m.Reusable {
			return invalid(CodeParameterInvalid, "setup_future_usage",
				"The payment method %s cannot be saved for future use: it has no reusable agreements.", t)
		}
	}
	return nil
}

// SaveAgreement records the customer's agreement on pm when the intent
// that succeeded asked for one. It reports whether pm changed.
func SaveAgreement(pi *PaymentIntent, pm *PaymentMethod, now time.Time) bool {
	if pm == nil || pi.SetupFutureUsage != SetupOffSession || pm.Active() ||
		(pi.Status != Succeeded && pi.Status != RequiresCapture) {
		return false
	}
	pm.Agreement = &Agreement{Status: AgreementActive, IntentID: pi.ID, Created: now}
	return true
}

// RevokeAgreement ends pm's agreement (the customer stopped it in the
// wallet): later off-session charges are declined. Revoking twice is a no-op.
func RevokeAgreement(pm *PaymentMethod, now time.Time) error {
	if pm.Agreement == nil {
		return invalid(CodeParameterInvalid, "payment_method", "The PaymentMethod %s has no agreement to revoke.", pm.ID)
	}
	if pm.Agreement.Status != AgreementRevoked {
		pm.Agreement.Status, pm.Agreement.RevokedAt = AgreementRevoked, now
	}
	return nil
}

// BeginOffSession starts an off-session charge of a saved agreement: no
// redirect and no customer, so the intent waits on an internal attempt
// that the acquirer ends at once (Authorize or Decline). It emits no event:
// the charge's outcome is the first thing anyone hears.
func BeginOffSession(pi *PaymentIntent, pm *PaymentMethod, attempt string) error {
	if err := guard(pi, ActionConfirm); err != nil {
		return err
	}
	if pm.Agreement == nil {
		return invalid(CodeParameterInvalid, "payment_method",
			"The PaymentMethod %s was never saved for future use: pay once with setup_future_usage=off_session first.", pm.ID)
	}
	next := pi.Clone()
	if err := attach(next, pm); err != nil {
		return err
	}
	*pi = *next
	pi.Status = RequiresAction
	pi.LastPaymentError = nil
	pi.Pending = &Pending{Attempt: attempt, Method: pm.Type}
	return nil
}
