package payments

import (
	"fmt"
	"slices"
	"strings"
)

// Status is a PaymentIntent status, exactly Stripe's set.
type Status string

const (
	RequiresPaymentMethod Status = "requires_payment_method"
	RequiresConfirmation  Status = "requires_confirmation"
	RequiresAction        Status = "requires_action"
	Processing            Status = "processing"
	RequiresCapture       Status = "requires_capture"
	Succeeded             Status = "succeeded"
	Canceled              Status = "canceled"
)

// Statuses lists every status, for exhaustive tests.
var Statuses = []Status{RequiresPaymentMethod, RequiresConfirmation, RequiresAction,
	Processing, RequiresCapture, Succeeded, Canceled}

// Action is something that can happen to an intent: a merchant's call or
// the customer's (or the clock's) answer to a pending redirect.
type Action string

const (
	ActionUpdatePayment Action = "update" // change amount, currency or payment method
	ActionConfirm       Action = "confirm"
	ActionCancel        Action = "cancel"
	ActionCapture       Action = "capture"
	ActionOpen          Action = "open"      // the customer opens the redirect
	ActionAuthorize     Action = "authorize" // the customer approves / pays
	ActionDecline       Action = "decline"   // the customer rejects / fails authentication
	ActionExpire        Action = "expire"    // a window or virtual account runs out
	ActionRefund        Action = "refund"    // money given back after the payment
	ActionDispute       Action = "dispute"   // the payer's bank charges the payment back
)

// Actions lists every action, for exhaustive tests.
var Actions = []Action{ActionUpdatePayment, ActionConfirm, ActionCancel, ActionCapture,
	ActionOpen, ActionAuthorize, ActionDecline, ActionExpire, ActionRefund, ActionDispute}

// allowedFrom is the whole state machine's guard: the statuses from which
// each action may start. Stripe's orders are kept because its error
// messages list them.
var allowedFrom = map[Action][]Status{
	ActionUpdatePayment: {RequiresPaymentMethod, RequiresConfirmation, RequiresAction},
	ActionConfirm:       {RequiresPaymentMethod, RequiresConfirmation},
	ActionCancel:        {RequiresPaymentMethod, RequiresCapture, RequiresConfirmation, RequiresAction},
	ActionCapture:       {RequiresCapture},
	ActionOpen:          {RequiresAction},
	ActionAuthorize:     {RequiresAction},
	ActionDecline:       {RequiresAction},
	ActionExpire:        {RequiresAction},
	ActionRefund:        {Succeeded},
	ActionDispute:       {Succeeded},
}

// verbs phrase each action in Stripe's error messages.
var verbs = map[Action]string{
	ActionUpdatePayment: "updated",
	ActionConfirm:       "confirmed",
	ActionCancel:        "canceled",
	ActionCapture:       "captured",
	ActionOpen:          "opened",
	ActionAuthorize:     "authorized",
	ActionDecline:       "declined",
	ActionExpire:        "expired",
	ActionRefund:        "refunded",
	ActionDispute:       "disputed",
}

// Allows reports whether action may start from status.
func Allows(status Status, action Action) bool {
	for _, s := range allowedFrom[action] {
		if s == status {
			return true
		}
	}
	return false
}

// guard returns Stripe's payment_intent_unexpected_state error when the
// intent's status does not allow the action.
func guard(pi *PaymentIntent, action Action) error {
	if err := checkStatus(allowedFrom, verbs, action, pi.Status, CodeUnexpectedState, "PaymentIntent"); err != nil {
		err.Intent = pi
		return err
	}
	return nil
}

// checkStatus is every state machine's guard (intents, refunds, disputes):
// nil when status may start action, otherwise the error naming the current
// status and the allowed ones, phrased like Stripe's.
func checkStatus[S ~string, A comparable](allowedFrom map[A][]S, verbs map[A]string, action A, status S, code, object string) *Error {
	allowed := allowedFrom[action]
	if slices.Contains(allowed, status) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, s := range allowed {
		names[i] = string(s)
	}
	verb := verbs[action]
	return &Error{Code: code, Message: fmt.Sprintf("This %s could not be %s because it has a status of %s. "+
		"Only a %s with one of the following statuses may be %s: %s.",
		object, verb, status, object, verb, strings.Join(names, ", "))}
}
