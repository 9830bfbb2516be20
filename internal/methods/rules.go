package methods

import (
	"fmt"
	"strings"

	"kassa/internal/money"
)

// Violation is a request outside a method's rules. Param names the request
// parameter at fault in Stripe's bracket syntax, relative to the intent.
type Violation struct {
	Code    string // Stripe error code, e.g. "amount_too_large"
	Param   string
	Message string
}

func (v *Violation) Error() string { return v.Message }

// Payment is what a method's rules are checked against.
type Payment struct {
	Amount   int64
	Currency money.Currency
	Country  string // billing country, upper case, may be empty
}

// CheckAmount applies the amount rules alone (used before a method is known).
func (m Method) CheckAmount(amount int64, c money.Currency) *Violation {
	if amount < m.MinAmount || amount < 1 {
		return &Violation{Code: "amount_too_small", Param: "amount",
			Message: fmt.Sprintf("Amount must be at least %s for %s.", money.Display(max(m.MinAmount, 1), c), m.Type)}
	}
	if m.MaxAmount > 0 && amount > m.MaxAmount {
		return &Violation{Code: "amount_too_large", Param: "amount",
			Message: fmt.Sprintf("Amount must be no more than %s for %s.", money.Display(m.MaxAmount, c), m.Type)}
	}
	return nil
}

// Check returns the first rule the payment breaks, or nil.
func (m Method) Check(p Payment) *Violation {
	if !m.AcceptsCurrency(p.Currency) {
		return &Violation{Code: "payment_method_currency_mismatch", Param: "currency",
			Message: fmt.Sprintf("The currency %s is not supported by the payment method %s; it accepts %s.",
				p.Currency, m.Type, joinCurrencies(m.Currencies))}
	}
	if v := m.CheckAmount(p.Amount, p.Currency); v != nil {
		return v
	}
	const countryParam = "payment_method_data[billing_details][address][country]"
	switch {
	case p.Country == "" && m.CountryRequired:
		return &Violation{Code: "parameter_missing", Param: countryParam,
			Message: fmt.Sprintf("The payment method %s requires a billing country, one of %s.", m.Type, strings.Join(m.Countries, ", "))}
	case p.Country != "" && !m.AcceptsCountry(p.Country):
		return &Violation{Code: "payment_method_country_unsupported", Param: countryParam,
			Message: fmt.Sprintf("The payment method %s is not available for customers in %s; it supports %s.", m.Type, p.Country, strings.Join(m.Countries, ", "))}
	}
	return nil
}

func joinCurrencies(cs []money.Currency) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}
