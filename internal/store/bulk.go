package store

import (
	"kassa/internal/ledger"
	"kassa/internal/payments"
)

// Bulk is a batch of new objects that Tx.InsertBulk writes at once: the
// rows their one-at-a-time inserts would write, in the order given
// within each kind (so a list shows later ones as newer).
type Bulk struct {
	PaymentMethods      []*payments.PaymentMethod
	Intents             []*payments.PaymentIntent
	Charges             []*payments.Charge
	BalanceTransactions []*ledger.Transaction
	// Events are stored without webhook deliveries: a bulk load is history,
	// not news.
	Events []*Event
}

// Len counts the objects in the batch.
func (b Bulk) Len() int {
	return len(b.PaymentMethods) + len(b.Intents) + len(b.Charges) + len(b.BalanceTransactions) + len(b.Events)
}
