// Package payments is Kassa's payment domain: PaymentIntents, their charges
// and payment methods, the state machine that moves them, and the events
// each change emits. It is pure: no HTTP, no SQL, no clock of its own.
package payments

import (
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
)

// Capture methods, as Stripe names them.
const (
	CaptureAutomatic      = "automatic"
	CaptureAutomaticAsync = "automatic_async"
	CaptureManual         = "manual"
)

// PaymentIntent tracks one payment from creation to its outcome.
type PaymentIntent struct {
	ID                  string            `json:"id"`
	AccountID           string            `json:"account_id"`
	Amount              int64             `json:"amount"`
	AmountCapturable    int64             `json:"amount_capturable"`
	AmountReceived      int64             `json:"amount_received"`
	Currency            money.Currency    `json:"currency"`
	Status              Status            `json:"status"`
	CaptureMethod       string            `json:"capture_method"`
	ClientSecret        string            `json:"client_secret"`
	Description         string            `json:"description,omitempty"`
	ReceiptEmail        string            `json:"receipt_email,omitempty"`
	StatementDescriptor string            `json:"statement_descriptor,omitempty"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	PaymentMethodID     string            `json:"payment_method,omitempty"`
	PaymentMethodTypes  []methods.Type    `json:"payment_method_types"`
	// VippsReference is payment_method_options[vipps][reference]: the order
	// reference shown in the Vipps app (the intent id when empty).
	VippsReference string `json:"vipps_reference,omitempty"`
	// SetupFutureUsage "off_session" asks that a successful payment also
	// save the customer's agreement on the payment method, for later
	// charges without the customer (Stripe's setup_future_usage).
	SetupFutureUsage   string        `json:"setup_future_usage,omitempty"`
	ReturnURL          string        `json:"return_url,omitempty"`
	Pending            *Pending      `json:"pending,omitempty"`
	LastPaymentError   *PaymentError `json:"last_payment_error,omitempty"`
	LatestChargeID     string        `json:"latest_charge,omitempty"`
	CanceledAt         time.Time     `json:"canceled_at,omitzero"`
	CancellationReason string        `json:"cancellation_reason,omitempty"`
	// CheckoutSessionID names the Checkout Session that created the intent
	// and drives it: its hosted page confirms it, and expiring the session
	// cancels it.
	CheckoutSessionID string    `json:"checkout_session,omitempty"`
	Created           time.Time `json:"created"`
}

// Pending is the customer's outstanding step while the intent requires_action:
// the acquirer's redirect and the deadlines that bound it.
type Pending struct {
	// Attempt identifies this redirect; outcomes for an older attempt are stale.
	Attempt     string       `json:"attempt"`
	Method      methods.Type `json:"method"`
	RedirectURL string       `json:"redirect_url"`
	ReturnURL   string       `json:"return_url"`
	// OpenBy is when the customer must have opened the redirect (zero: no limit).
	OpenBy time.Time `json:"open_by,omitzero"`
	// OpenedAt is when the customer opened it; ApproveBy the deadline after that.
	OpenedAt  time.Time `json:"opened_at,omitzero"`
	ApproveBy time.Time `json:"approve_by,omitzero"`
	// VirtualAccount is where a bank transfer must go, once a bank is chosen.
	VirtualAccount *VirtualAccount `json:"virtual_account,omitempty"`
	// Phone is the wallet user the customer identified as.
	Phone string `json:"phone,omitempty"`
}

// VirtualAccount is a bank's account number that accepts one transfer.
type VirtualAccount struct {
	Bank      string    `json:"bank"`
	Number    string    `json:"number"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Deadline is the earliest moment at which the pending step expires, or
// zero when nothing bounds it: the open window until the customer opens
// the redirect, the approval window after that, and a virtual account's
// validity throughout.
func (a *Pending) Deadline() time.Time {
	if a == nil {
		return time.Time{}
	}
	var deadlines []time.Time
	if a.OpenedAt.IsZero() {
		deadlines = append(deadlines, a.OpenBy)
	} else {
		deadlines = append(deadlines, a.ApproveBy)
	}
	if a.VirtualAccount != nil {
		deadlines = append(deadlines, a.VirtualAccount.ExpiresAt)
	}
	var earliest time.Time
	for _, d := range deadlines {
		if !d.IsZero() && (earliest.IsZero() || d.Before(earliest)) {
			earliest = d
		}
	}
	return earliest
}

// PaymentError is the last attempt's failure, as Stripe reports it.
type PaymentError struct {
	Type            string `json:"type"`
	Code            string `json:"code"`
	Message         string `json:"message"`
	PaymentMethodID string `json:"payment_method,omitempty"`
	ChargeID        string `json:"charge,omitempty"`
	// CustomerCanceled: the customer abandoned the attempt (the bank
	// page's cancel button) rather than failing it.
	CustomerCanceled bool `json:"customer_canceled,omitempty"`
}

// ManualCapture reports whether the merchant captures separately.
func (pi *PaymentIntent) ManualCapture() bool { return pi.CaptureMethod == CaptureManual }

// Clone returns a deep copy, so an event's snapshot never aliases later changes.
func (pi *PaymentIntent) Clone() *PaymentIntent {
	c := *pi
	c.Metadata = cloneMap(pi.Metadata)
	c.PaymentMethodTypes = append([]methods.Type(nil), pi.PaymentMethodTypes...)
	if pi.Pending != nil {
		a := *pi.Pending
		if a.VirtualAccount != nil {
			va := *a.VirtualAccount
			a.VirtualAccount = &va
		}
		c.Pending = &a
	}
	if pi.LastPaymentError != nil {
		e := *pi.LastPaymentError
		c.LastPaymentError = &e
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
