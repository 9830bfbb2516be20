package ledger

import (
	"fmt"
	"sync"
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
)

// Ledger books movements of money: it converts into the method's
// settlement currency with the rates table and charges the account's fees.
type Ledger struct {
	Rates   *Rates
	Pricing *Pricing
}

// Default is the ledger with the embedded rates and the default price
// list. A ledger never changes once built, so this one is shared.
var Default = sync.OnceValue(func() *Ledger { return &Ledger{Rates: EmbeddedRates(), Pricing: DefaultPricing()} })

// Check refuses a rates table that cannot convert every catalogue
// currency into its method's settlement currency.
func (l *Ledger) Check() error {
	var need []money.Currency
	for _, m := range methods.All() {
		need = append(need, m.Settlement)
		need = append(need, m.Currencies...)
	}
	return l.Rates.Require(need...)
}

// Movement names what moves money, for the transaction it writes.
type Movement struct {
	ID          string // the new transaction's id (txn_…)
	AccountID   string
	Source      string // the charge, refund or dispute
	Method      methods.Type
	Description string
	On          time.Time
}

// Kind is what a movement is, in Stripe's terms.
type Kind struct{ Type, ReportingCategory string }

// The kinds of movement after a charge.
var (
	Refund               = Kind{"refund", "refund"}
	RefundFailure        = Kind{"refund_failure", "refund_failure"}
	DisputeWithdrawal    = Kind{"adjustment", "dispute"}
	DisputeReinstatement = Kind{"adjustment", "dispute_reversal"}
)

// Settlement is how a captured charge entered the balance, and how much
// of it refunds and disputes hold now. It is kept on the charge.
type Settlement struct {
	Currency money.Currency `json:"currency"`
	// Rate converts the charge's currency; nil when it is the settlement currency.
	Rate *Rate `json:"rate,omitempty"`
	// Gross is the captured amount in the settlement currency.
	Gross int64 `json:"gross"`
	// Reversed is the settlement amount that refunds and dispute
	// withdrawals have taken back and not given back; never above Gross.
	Reversed int64 `json:"reversed"`
}

func (s *Settlement) convert(amount int64) (int64, error) {
	if s.Rate == nil {
		return amount, nil
	}
	return s.Rate.Convert(amount)
}

// Capture books a charge's captured amount: converted at the day's rate,
// less the method's fee, pending for the method's settlement delay.
func (l *Ledger) Capture(m Movement, amount int64, currency money.Currency) (*Transaction, *Settlement, error) {
	method, ok := methods.Lookup(m.Method)
	if !ok {
		return nil, nil, fmt.Errorf("ledger: unknown method %q", m.Method)
	}
	terms := l.Pricing.Terms(m.AccountID, m.Method)
	s := &Settlement{Currency: method.Settlement}
	if currency != method.Settlement {
		rate, err := l.Rates.Rate(m.On, currency, method.Settlement)
		if err != nil {
			return nil, nil, err
		}
		s.Rate = &rate
	}
	gross, err := s.convert(amount)
	if err != nil {
		return nil, nil, err
	}
	s.Gross = gross
	fee, err := terms.Fee(gross)
	if err != nil {
		return nil, nil, err
	}
	t := l.transaction(m, Kind{"charge", "charge"}, s, gross, fee, "Kassa processing fees")
	t.AvailableOn = m.On.Add(terms.SettlementDelay)
	return t, s, nil
}

// TakeBack books money leaving the balance for a charge (a refund, a
// dispute withdrawal) so that what the charge's refunds and disputes hold
// comes to heldAfter, in the charge's currency. It debits the difference
// between heldAfter converted and what is already reversed: conversions of
// cumulative totals, so rounding never makes several partial refunds take
// back more than converting their total, and never more than Gross. A
// dispute withdrawal also carries the dispute fee. It returns the
// transaction and the amount it took (positive, settlement currency).
func (l *Ledger) TakeBack(s *Settlement, kind Kind, m Movement, heldAfter int64) (*Transaction, int64, error) {
	target, err := s.convert(heldAfter)
	if err != nil {
		return nil, 0, err
	}
	taken := max(min(target, s.Gross)-s.Reversed, 0)
	var fee int64
	if kind == DisputeWithdrawal {
		fee = l.Pricing.Terms(m.AccountID, m.Method).DisputeFee
	}
	s.Reversed += taken
	t := l.transaction(m, kind, s, -taken, fee, "Dispute fee")
	return t, taken, nil
}

// GiveBack books money returning to the balance: a failed or canceled
// refund, a won dispute. It returns exactly what the TakeBack took (the
// dispute fee stays charged).
func (l *Ledger) GiveBack(s *Settlement, kind Kind, m Movement, taken int64) *Transaction {
	s.Reversed -= taken
	return l.transaction(m, kind, s, taken, 0, "")
}

// transaction builds a transaction available at once (money leaving, or
// returning after a reversal, moves immediately; only charges wait).
func (l *Ledger) transaction(m Movement, kind Kind, s *Settlement, amount, fee int64, feeDescription string) *Transaction {
	t := &Transaction{
		ID: m.ID, AccountID: m.AccountID, Type: kind.Type, ReportingCategory: kind.ReportingCategory,
		Source: m.Source, Amount: amount, Fee: fee, Net: amount - fee, Currency: s.Currency,
		ExchangeRate: s.Rate, Description: m.Description, AvailableOn: m.On, Created: m.On,
	}
	if fee != 0 {
		t.FeeDetails = []FeeDetail{{Amount: fee, Currency: s.Currency, Description: feeDescription, Type: "stripe_fee"}}
	}
	return t
}
