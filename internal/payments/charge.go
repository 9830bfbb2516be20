package payments

import (
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
)

// Charge statuses.
const (
	ChargePending   = "pending"
	ChargeSucceeded = "succeeded"
	ChargeFailed    = "failed"
)

// Charge is the outcome of one payment attempt of an intent.
type Charge struct {
	ID              string            `json:"id"`
	AccountID       string            `json:"account_id"`
	PaymentIntentID string            `json:"payment_intent"`
	PaymentMethodID string            `json:"payment_method"`
	Method          methods.Type      `json:"method"`
	Amount          int64             `json:"amount"`
	AmountCaptured  int64             `json:"amount_captured"`
	AmountRefunded  int64             `json:"amount_refunded"`
	Currency        money.Currency    `json:"currency"`
	Status          string            `json:"status"`
	Captured        bool              `json:"captured"`
	FailureCode     string            `json:"failure_code,omitempty"`
	FailureMessage  string            `json:"failure_message,omitempty"`
	Description     string            `json:"description,omitempty"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	BillingDetails  BillingDetails    `json:"billing_details"`
	Bank            string            `json:"bank,omitempty"`
	Reference       string            `json:"reference,omitempty"`
	Created         time.Time         `json:"created"`
}

// Paid is Stripe's paid flag: the charge succeeded or was authorized.
func (c *Charge) Paid() bool { return c.Status == ChargeSucceeded }

// Refunded is true once the whole charge has been given back or released.
func (c *Charge) Refunded() bool { return c.AmountRefunded > 0 && c.AmountRefunded >= c.Amount }

// Clone returns a deep copy for event snapshots.
func (c *Charge) Clone() *Charge {
	cp := *c
	cp.Metadata = cloneMap(c.Metadata)
	return &cp
}
