package payments

import (
	"time"

	"kassa/internal/ledger"
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
	ID              string       `json:"id"`
	AccountID       string       `json:"account_id"`
	PaymentIntentID string       `json:"payment_intent"`
	PaymentMethodID string       `json:"payment_method"`
	Method          methods.Type `json:"method"`
	Amount          int64        `json:"amount"`
	AmountCaptured  int64        `json:"amount_captured"`
	// AmountRefunded is Stripe's: what was released uncaptured plus every
	// refund that has not failed or been canceled.
	AmountRefunded int64 `json:"amount_refunded"`
	// AmountDisputed is what a dispute that is open or lost holds back.
	AmountDisputed int64  `json:"amount_disputed,omitempty"`
	DisputeID      string `json:"dispute,omitempty"`
	// BalanceTransactionID is the ledger entry of the captured amount, and
	// Settlement how it entered the balance (nil until captured).
	BalanceTransactionID string             `json:"balance_transaction,omitempty"`
	Settlement           *ledger.Settlement `json:"settlement,omitempty"`
	Currency             money.Currency     `json:"currency"`
	Status               string             `json:"status"`
	Captured             bool               `json:"captured"`
	FailureCode          string             `json:"failure_code,omitempty"`
	FailureMessage       string             `json:"failure_message,omitempty"`
	Description          string             `json:"description,omitempty"`
	Metadata             map[string]string  `json:"metadata,omitempty"`
	BillingDetails       BillingDetails     `json:"billing_details"`
	Bank                 string             `json:"bank,omitempty"`
	Reference            string             `json:"reference,omitempty"`
	Created              time.Time          `json:"created"`
}

// Paid is Stripe's paid flag: the charge succeeded or was authorized.
func (c *Charge) Paid() bool { return c.Status == ChargeSucceeded }

// Refunded is true once the whole charge has been given back or released.
func (c *Charge) Refunded() bool { return c.AmountRefunded > 0 && c.AmountRefunded >= c.Amount }

// Disputed is Stripe's disputed flag: the charge has (had) a dispute.
func (c *Charge) Disputed() bool { return c.DisputeID != "" }

// released is the part of the authorization never captured — a partial
// capture's rest, a canceled authorization — which Stripe counts in
// amount_refunded although no money moved. It follows from the amounts, so
// charges stored before refunds existed need no migration.
func (c *Charge) released() int64 {
	if c.Captured {
		return c.Amount - c.AmountCaptured
	}
	return c.AmountRefunded
}

// Refunds is what refunds that have not failed or been canceled give back.
func (c *Charge) Refunds() int64 { return c.AmountRefunded - c.released() }

// Held is what refunds and disputes hold of the captured amount; it never
// exceeds AmountCaptured.
func (c *Charge) Held() int64 { return c.Refunds() + c.AmountDisputed }

// Refundable is what may still be refunded (or disputed).
func (c *Charge) Refundable() int64 { return c.AmountCaptured - c.Held() }

// Clone returns a deep copy for event snapshots.
func (c *Charge) Clone() *Charge {
	cp := *c
	cp.Metadata = cloneMap(c.Metadata)
	if c.Settlement != nil {
		s := *c.Settlement
		cp.Settlement = &s
	}
	return &cp
}
