package payments

import (
	"time"

	"kassa/internal/ledger"
)

// Books records, for one change, the balance transactions its movements of
// money cause: the ledger decides amounts, rates and fees; the change sets
// the transactions' ids on its objects before it emits events; the gateway
// saves Written in the change's database transaction.
type Books struct {
	Ledger *ledger.Ledger
	// NewID makes balance transaction ids (txn_…).
	NewID   func() string
	Written []*ledger.Transaction
}

func (b *Books) movement(ch *Charge, source, description string, now time.Time) ledger.Movement {
	return ledger.Movement{ID: b.NewID(), AccountID: ch.AccountID, Source: source, Method: ch.Method, Description: description, On: now}
}

// capture books a charge's captured amount.
func (b *Books) capture(ch *Charge, now time.Time) error {
	txn, s, err := b.Ledger.Capture(b.movement(ch, ch.ID, ch.Description, now), ch.AmountCaptured, ch.Currency)
	if err != nil {
		return err
	}
	ch.BalanceTransactionID, ch.Settlement = txn.ID, s
	b.Written = append(b.Written, txn)
	return nil
}

// takeBack books money leaving for the charge after its holds grew to
// ch.Held(); it returns the transaction and the settlement amount taken.
func (b *Books) takeBack(ch *Charge, kind ledger.Kind, source, description string, now time.Time) (*ledger.Transaction, int64, error) {
	if ch.Settlement == nil {
		// A charge captured before Kassa kept a ledger: book it now, so
		// what is taken back has something to come from.
		if err := b.capture(ch, now); err != nil {
			return nil, 0, err
		}
	}
	txn, taken, err := b.Ledger.TakeBack(ch.Settlement, kind, b.movement(ch, source, description, now), ch.Held())
	if err != nil {
		return nil, 0, err
	}
	b.Written = append(b.Written, txn)
	return txn, taken, nil
}

// giveBack books money returning to the balance: exactly what a takeBack took.
func (b *Books) giveBack(ch *Charge, kind ledger.Kind, source, description string, taken int64, now time.Time) *ledger.Transaction {
	txn := b.Ledger.GiveBack(ch.Settlement, kind, b.movement(ch, source, description, now), taken)
	b.Written = append(b.Written, txn)
	return txn
}
