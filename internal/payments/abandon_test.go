package payments

import (
	"testing"
	"time"

	"kassa/internal/methods"
)

// TestAbandonIsADeclineMarkedCanceled: the customer's cancel and a decline
// read the same in Stripe's dialect; only the mark tells them apart.
func TestAbandonIsADeclineMarkedCanceled(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	pending := func() *PaymentIntent {
		return &PaymentIntent{ID: "pi_1", AccountID: "acct_1", Amount: 100, Currency: "eur", Status: RequiresAction,
			PaymentMethodID: "pm_1", Pending: &Pending{Attempt: "att_1", Method: methods.Sofort}}
	}
	tests := []struct {
		name     string
		end      func(*PaymentIntent, *Charge) ([]Event, error)
		canceled bool
		message  string
	}{
		{"abandon", func(pi *PaymentIntent, ch *Charge) ([]Event, error) { return Abandon(pi, "att_1", ch, "", now) }, true, "The customer canceled the payment."},
		{"decline", func(pi *PaymentIntent, ch *Charge) ([]Event, error) {
			return Decline(pi, "att_1", ch, "The TAN was wrong.", now)
		}, false, "The TAN was wrong."},
	}
	for _, tt := range tests {
		pi := pending()
		events, err := tt.end(pi, &Charge{ID: "ch_1"})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		e := pi.LastPaymentError
		if pi.Status != RequiresPaymentMethod || e == nil || e.Code != CodeAuthFailure || e.Message != tt.message || e.CustomerCanceled != tt.canceled {
			t.Errorf("%s: %s %+v", tt.name, pi.Status, e)
		}
		last := events[len(events)-1].Object.(*PaymentIntent)
		if last.LastPaymentError == nil || last.LastPaymentError.CustomerCanceled != tt.canceled {
			t.Errorf("%s: the event's snapshot %+v", tt.name, last.LastPaymentError)
		}
	}
	if _, err := Abandon(pending(), "att_other", &Charge{}, "", now); err == nil {
		t.Error("abandoned a stale attempt")
	}
}
