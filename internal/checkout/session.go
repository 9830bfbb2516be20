// Package checkout is the domain of hosted Checkout Sessions: a session's
// line items and totals, the state machine that moves a session from open to
// complete or expired, which payment methods it offers, and the events each
// change emits. Products and prices, which line items refer to, live here
// too. Like package payments it is pure: no HTTP, no SQL, no clock.
package checkout

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
)

// State is where a session is in its life. Stripe shows it as two fields,
// status and payment_status; the domain keeps the one state both derive
// from, so a delayed payment's outcome can be told apart from one still
// awaited.
type State string

const (
	// StateOpen: the customer may pay (status open, payment_status unpaid).
	StateOpen State = "open"
	// StateAwaitingPayment: the customer paid with a method whose money
	// arrives later (complete, unpaid).
	StateAwaitingPayment State = "awaiting_payment"
	// StatePaid: the money is there (complete, paid).
	StatePaid State = "paid"
	// StatePaymentFailed: the delayed payment failed after completion
	// (complete, unpaid), as at Stripe.
	StatePaymentFailed State = "payment_failed"
	// StateExpired: expires_at passed or the merchant expired it (expired, unpaid).
	StateExpired State = "expired"
)

// States lists every state, for exhaustive tests.
var States = []State{StateOpen, StateAwaitingPayment, StatePaid, StatePaymentFailed, StateExpired}

// Stripe's status and payment_status values.
const (
	StatusOpen     = "open"
	StatusComplete = "complete"
	StatusExpired  = "expired"

	PaymentPaid   = "paid"
	PaymentUnpaid = "unpaid"
)

// Action is something that can happen to a session.
type Action string

const (
	ActionPay             Action = "pay"              // the customer starts a payment on the hosted page
	ActionComplete        Action = "complete"         // the intent succeeded
	ActionCompleteDelayed Action = "complete_delayed" // the intent is processing: the money arrives later
	ActionAsyncSucceed    Action = "async_succeed"    // the delayed payment arrived
	ActionAsyncFail       Action = "async_fail"       // the delayed payment failed
	ActionExpire          Action = "expire"           // expires_at passed, or the merchant's expire
)

// Actions lists every action, for exhaustive tests.
var Actions = []Action{ActionPay, ActionComplete, ActionCompleteDelayed, ActionAsyncSucceed, ActionAsyncFail, ActionExpire}

// allowedFrom is the state machine's whole guard.
var allowedFrom = map[Action][]State{
	ActionPay:             {StateOpen},
	ActionComplete:        {StateOpen},
	ActionCompleteDelayed: {StateOpen},
	ActionAsyncSucceed:    {StateAwaitingPayment},
	ActionAsyncFail:       {StateAwaitingPayment},
	ActionExpire:          {StateOpen},
}

var verbs = map[Action]string{
	ActionPay:             "paid",
	ActionComplete:        "completed",
	ActionCompleteDelayed: "completed",
	ActionAsyncSucceed:    "marked as paid",
	ActionAsyncFail:       "marked as failed",
	ActionExpire:          "expired",
}

// CodeUnexpectedState is Kassa's code for a session in the wrong state,
// named after Stripe's payment_intent_unexpected_state.
const CodeUnexpectedState = "checkout_session_unexpected_state"

// Allows reports whether action may start from state.
func Allows(state State, action Action) bool {
	return slices.Contains(allowedFrom[action], state)
}

func guard(s *Session, action Action) error {
	if Allows(s.State, action) {
		return nil
	}
	return &payments.Error{Code: CodeUnexpectedState, Message: fmt.Sprintf(
		"This Checkout Session could not be %s because it has a status of %s. Only a Checkout Session with a status of open may be %s.",
		verbs[action], s.Status(), verbs[action])}
}

// Session is a hosted Checkout Session in payment mode.
type Session struct {
	ID                 string         `json:"id"`
	AccountID          string         `json:"account_id"`
	State              State          `json:"state"`
	Currency           money.Currency `json:"currency"`
	LineItems          []LineItem     `json:"line_items"`
	AmountSubtotal     int64          `json:"amount_subtotal"`
	AmountTotal        int64          `json:"amount_total"`
	PaymentIntentID    string         `json:"payment_intent"`
	PaymentMethodTypes []methods.Type `json:"payment_method_types"`
	SuccessURL         string         `json:"success_url"`
	CancelURL          string         `json:"cancel_url,omitempty"`
	CustomerEmail      string         `json:"customer_email,omitempty"`
	ClientReferenceID  string         `json:"client_reference_id,omitempty"`
	Locale             string         `json:"locale,omitempty"`
	// BillingAddressCollection is "", "auto" or "required" (ask every
	// customer for a billing country, not only where the method needs it).
	BillingAddressCollection string            `json:"billing_address_collection,omitempty"`
	Metadata                 map[string]string `json:"metadata,omitempty"`
	ExpiresAt                time.Time         `json:"expires_at"`
	// PageKey is the secret in the hosted page's URL: the session id alone
	// (which travels to the merchant's success_url) does not open the page.
	PageKey string `json:"page_key"`
	// URL is the hosted page's address, shown while the session is open.
	URL             string           `json:"url"`
	CustomerDetails *CustomerDetails `json:"customer_details,omitempty"`
	Created         time.Time        `json:"created"`
}

// CustomerDetails is what the customer gave on the hosted page.
type CustomerDetails struct {
	Email   string `json:"email,omitempty"`
	Country string `json:"country,omitempty"`
}

// Status is Stripe's status: open, complete or expired.
func (s *Session) Status() string {
	switch s.State {
	case StateOpen:
		return StatusOpen
	case StateExpired:
		return StatusExpired
	}
	return StatusComplete
}

// PaymentStatus is Stripe's payment_status: paid once the money is there.
func (s *Session) PaymentStatus() string {
	if s.State == StatePaid {
		return PaymentPaid
	}
	return PaymentUnpaid
}

// Deadline is when the timer must expire the session, zero once it is no
// longer open.
func (s *Session) Deadline() time.Time {
	if s.State != StateOpen {
		return time.Time{}
	}
	return s.ExpiresAt
}

// Overdue reports whether an open session's expires_at has passed.
func (s *Session) Overdue(now time.Time) bool {
	return s.State == StateOpen && !now.Before(s.ExpiresAt)
}

// AsksCountry reports whether the hosted page asks for a billing country
// before paying with m: when the method needs one, or the merchant asked.
func (s *Session) AsksCountry(m methods.Method) bool {
	return m.CountryRequired || s.BillingAddressCollection == "required"
}

// SuccessRedirect is success_url with Stripe's {CHECKOUT_SESSION_ID}
// placeholder filled in.
func (s *Session) SuccessRedirect() string {
	return strings.ReplaceAll(s.SuccessURL, "{CHECKOUT_SESSION_ID}", s.ID)
}

// Clone returns a deep copy, so an event's snapshot never aliases later changes.
func (s *Session) Clone() *Session {
	c := *s
	c.LineItems = slices.Clone(s.LineItems)
	for i, li := range c.LineItems {
		c.LineItems[i] = li.clone()
	}
	c.PaymentMethodTypes = slices.Clone(s.PaymentMethodTypes)
	c.Metadata = cloneMap(s.Metadata)
	if s.CustomerDetails != nil {
		d := *s.CustomerDetails
		c.CustomerDetails = &d
	}
	return &c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
