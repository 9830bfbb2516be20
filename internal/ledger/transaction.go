package ledger

import (
	"time"

	"kassa/internal/money"
)

// Balance transaction statuses: derived from available_on and the time of
// reading, so funds become available without a job having to run.
const (
	StatusPending   = "pending"
	StatusAvailable = "available"
)

// Transaction is one movement of money in an account's balance (Stripe's
// balance transaction, txn_…), in the settlement currency. Transactions
// are written once and never change.
type Transaction struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	// Type and ReportingCategory are Stripe's: charge/charge,
	// refund/refund, refund_failure/refund_failure, adjustment/dispute,
	// adjustment/dispute_reversal.
	Type              string `json:"type"`
	ReportingCategory string `json:"reporting_category"`
	// Source is the object that moved the money: a charge, refund or dispute.
	Source string `json:"source"`
	// Amount is gross (positive into the balance, negative out of it), Fee
	// what Kassa charges for it, Net = Amount − Fee.
	Amount     int64          `json:"amount"`
	Fee        int64          `json:"fee"`
	FeeDetails []FeeDetail    `json:"fee_details,omitempty"`
	Net        int64          `json:"net"`
	Currency   money.Currency `json:"currency"`
	// ExchangeRate is the rate the amount was converted with; nil when the
	// payment was in the settlement currency.
	ExchangeRate *Rate     `json:"exchange_rate,omitempty"`
	Description  string    `json:"description,omitempty"`
	AvailableOn  time.Time `json:"available_on"`
	Created      time.Time `json:"created"`
}

// FeeDetail is one part of a transaction's fee.
type FeeDetail struct {
	Amount      int64          `json:"amount"`
	Currency    money.Currency `json:"currency"`
	Description string         `json:"description"`
	Type        string         `json:"type"` // Stripe's stripe_fee
}

// Status is pending until AvailableOn, available from then on.
func (t *Transaction) Status(now time.Time) string {
	if now.Before(t.AvailableOn) {
		return StatusPending
	}
	return StatusAvailable
}

// Balance is one currency of an account's balance: the net of every
// transaction, split by whether it is available yet.
type Balance struct {
	Currency  money.Currency
	Available int64
	Pending   int64
}
