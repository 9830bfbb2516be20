package payments

import "fmt"

// Error is a rejected command. Code is Stripe's error code because the
// Stripe dialect is the richest one Kassa speaks; other adapters (Paygate,
// Shopware) map codes to their own. Param names the offending parameter.
type Error struct {
	Code    string
	Param   string
	Message string
	// Intent is set when the error concerns an existing intent's state, so
	// the Stripe adapter can return it in error.payment_intent.
	Intent *PaymentIntent
}

func (e *Error) Error() string { return e.Message }

// Codes used by the domain.
const (
	CodeUnexpectedState   = "payment_intent_unexpected_state"
	CodeParameterMissing  = "parameter_missing"
	CodeParameterInvalid  = "parameter_invalid"
	CodeAmountTooLarge    = "amount_too_large"
	CodeAmountTooSmall    = "amount_too_small"
	CodeInvalidMethod     = "payment_method_invalid_parameter"
	CodeMethodUnsupported = "payment_method_unactivated"
	CodeResourceMissing   = "resource_missing"
	CodeAttemptExpired    = "payment_intent_payment_attempt_expired"
	CodeAuthFailure       = "payment_intent_authentication_failure"
	CodeStaleAttempt      = "payment_attempt_stale"
	// Refunds and disputes.
	CodeChargeAlreadyRefunded  = "charge_already_refunded"
	CodeChargeDisputed         = "charge_disputed"
	CodeChargeNotRefundable    = "charge_not_refundable"
	CodeChargeNotDisputable    = "charge_not_disputable" // Kassa's: the method has no chargebacks
	CodeRefundUnexpectedState  = "refund_unexpected_state"
	CodeDisputeUnexpectedState = "dispute_unexpected_state"
	CodeParameterUnknown       = "parameter_unknown"
)

func invalid(code, param, format string, args ...any) *Error {
	return &Error{Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

// Missing builds the error for an absent required parameter.
func Missing(param string) *Error {
	return invalid(CodeParameterMissing, param, "Missing required param: %s.", param)
}

// NotFound builds the error for an object the caller may not see.
func NotFound(kind, id, param string) *Error {
	return invalid(CodeResourceMissing, param, "No such %s: '%s'", kind, id)
}
