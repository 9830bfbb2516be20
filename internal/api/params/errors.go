package params

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Stripe's parameter error codes, so handlers and tests need not retype them.
const (
	CodeInvalidInteger = "parameter_invalid_integer"
	CodeInvalidEmpty   = "parameter_invalid_empty"
	CodeUnknown        = "parameter_unknown"
	CodeMissing        = "parameter_missing"
	CodeInvalidString  = "parameter_invalid_string"
	CodeInvalidBoolean = "parameter_invalid_boolean"
	CodeInvalidArray   = "parameter_invalid_array"
	CodeInvalidObject  = "parameter_invalid_object"
)

// Error is a parameter error in Stripe's terms.
type Error struct {
	Param   string // Stripe bracket path, e.g. "payment_method_data[billing_details][address][country]"
	Code    string // one of the Code constants, or "" for a body that cannot be decoded at all
	Message string // a clear English sentence, Stripe-like
}

func (e *Error) Error() string {
	if e.Param == "" {
		return e.Message
	}
	return e.Message + " (param: " + e.Param + ")"
}

// malformed reports a body that cannot be decoded; Stripe gives these no code.
func malformed(param, format string, args ...any) *Error {
	return &Error{Param: param, Message: fmt.Sprintf(format, args...)}
}

// conflict reports a parameter sent in two incompatible shapes, e.g. a=1&a[b]=2.
func conflict(path []string) *Error {
	p := Path(path...)
	return malformed(p, "Conflicting parameters: %s is given in incompatible forms (for example both as %s=... and as %s[...]=..., or with both array indices and object keys).", p, p, p)
}

// typeError reports a parameter that is present but has the wrong shape.
func typeError(path []string, code, want string, got kind) *Error {
	return &Error{
		Param:   Path(path...),
		Code:    code,
		Message: fmt.Sprintf("Invalid %s: expected %s %s but got %s.", want, article(want), want, got),
	}
}

// valueError reports a string leaf that does not parse, echoing the value as Stripe does.
func valueError(path []string, code, want, value string) *Error {
	return &Error{Param: Path(path...), Code: code, Message: "Invalid " + want + ": " + preview(value)}
}

func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an"
	}
	return "a"
}

// preview shortens a client-supplied value for an error message, so that a
// megabyte-sized value is not echoed back whole.
func preview(s string) string {
	const limit = 100
	if s == "" {
		return "(empty string)"
	}
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
