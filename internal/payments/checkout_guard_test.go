package payments

import (
	"errors"
	"strings"
	"testing"
)

func TestGuardCheckout(t *testing.T) {
	pi := intentIn(RequiresPaymentMethod, CaptureAutomatic)
	for _, action := range Actions {
		if err := GuardCheckout(pi, action); err != nil {
			t.Fatalf("an intent without a session is refused %s: %v", action, err)
		}
	}
	pi.CheckoutSessionID = "cs_1"
	for _, action := range []Action{ActionConfirm, ActionCancel, ActionUpdatePayment} {
		var e *Error
		if err := GuardCheckout(pi, action); !errors.As(err, &e) || e.Code != CodeUnexpectedState || e.Intent != pi ||
			!strings.Contains(e.Message, "cs_1") {
			t.Errorf("%s: %v", action, err)
		}
	}
	amount := int64(5000)
	if err := Update(pi, IntentUpdate{Amount: &amount}); err == nil || pi.Amount != 1099 {
		t.Fatalf("a session's intent changed its amount: %v %d", err, pi.Amount)
	}
	description := "order 42"
	if err := Update(pi, IntentUpdate{Description: &description, Metadata: map[string]string{"k": "v"}}); err != nil ||
		pi.Description != description || pi.Metadata["k"] != "v" {
		t.Fatalf("descriptive fields of a session's intent: %v %+v", err, pi)
	}
}
