package checkout

import (
	"fmt"
	"slices"

	"kassa/internal/methods"
	"kassa/internal/payments"
)

// Event types sessions emit.
const (
	EventCompleted           = "checkout.session.completed"
	EventExpired             = "checkout.session.expired"
	EventAsyncPaymentSucceed = "checkout.session.async_payment_succeeded"
	EventAsyncPaymentFailed  = "checkout.session.async_payment_failed"
)

func event(typ string, s *Session) payments.Event {
	return payments.Event{Type: typ, Object: s.Clone()}
}

// Param names of the hosted page's form, for errors the page shows.
const (
	ParamMethod  = "payment_method_type"
	ParamCountry = "billing_details[address][country]"
)

// Pay checks that the customer may start paying with method, billed in
// country (upper case, "" if not given), and records what they gave. The
// intent's own confirmation checks the same rules again; checking here
// names the page's fields in the error.
func Pay(s *Session, method methods.Type, country string) (methods.Method, error) {
	if err := guard(s, ActionPay); err != nil {
		return methods.Method{}, err
	}
	m, ok := methods.Lookup(method)
	if !ok || !slices.Contains(s.PaymentMethodTypes, method) {
		return methods.Method{}, &payments.Error{Code: payments.CodeParameterInvalid, Param: ParamMethod,
			Message: fmt.Sprintf("The payment method %q is not offered for this Checkout Session.", method)}
	}
	if country == "" && s.AsksCountry(m) {
		return methods.Method{}, &payments.Error{Code: payments.CodeParameterMissing, Param: ParamCountry,
			Message: "A billing country is required."}
	}
	if v := m.Check(methods.Payment{Amount: s.AmountTotal, Currency: s.Currency, Country: country}); v != nil {
		param := v.Param
		if v.Code == payments.CodeParameterMissing || v.Code == "payment_method_country_unsupported" {
			param = ParamCountry
		}
		return methods.Method{}, &payments.Error{Code: v.Code, Param: param, Message: v.Message}
	}
	s.CustomerDetails = &CustomerDetails{Email: s.CustomerEmail, Country: country}
	return m, nil
}

// FollowIntent moves the session after its intent changed, in the same
// transaction: a succeeded (or authorized) intent completes an open session
// as paid; a processing one completes it unpaid, and its later outcome
// becomes async_payment_succeeded or _failed. A failed attempt leaves an
// open session open, so the customer can try again. It returns no events
// when the change concerns the session in no way.
func FollowIntent(s *Session, pi *payments.PaymentIntent) ([]payments.Event, error) {
	var action Action
	switch {
	case pi.Status == payments.Succeeded || pi.Status == payments.RequiresCapture:
		action = ActionComplete
		if s.State == StateAwaitingPayment {
			action = ActionAsyncSucceed
		}
	case pi.Status == payments.Processing && s.State == StateOpen:
		action = ActionCompleteDelayed
	case pi.Status == payments.RequiresPaymentMethod && s.State == StateAwaitingPayment:
		action = ActionAsyncFail
	default:
		return nil, nil
	}
	if s.State == StatePaid {
		return nil, nil // already paid: a capture after authorization changes nothing here
	}
	return Apply(s, action)
}

// Apply makes one transition and returns its events. Expiry goes through
// Expire, which the intent's cancellation accompanies.
func Apply(s *Session, action Action) ([]payments.Event, error) {
	if err := guard(s, action); err != nil {
		return nil, err
	}
	switch action {
	case ActionComplete:
		s.State = StatePaid
		return []payments.Event{event(EventCompleted, s)}, nil
	case ActionCompleteDelayed:
		s.State = StateAwaitingPayment
		return []payments.Event{event(EventCompleted, s)}, nil
	case ActionAsyncSucceed:
		s.State = StatePaid
		return []payments.Event{event(EventAsyncPaymentSucceed, s)}, nil
	case ActionAsyncFail:
		s.State = StatePaymentFailed
		return []payments.Event{event(EventAsyncPaymentFailed, s)}, nil
	case ActionExpire:
		s.State = StateExpired
		return []payments.Event{event(EventExpired, s)}, nil
	case ActionPay:
		return nil, nil // Pay checks and records; the state moves with the intent
	}
	return nil, fmt.Errorf("checkout: unknown action %q", action)
}

// Expire ends an open session; the gateway cancels its intent in the same
// transaction.
func Expire(s *Session) ([]payments.Event, error) { return Apply(s, ActionExpire) }
