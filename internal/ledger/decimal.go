// Package ledger holds Kassa's money rules after a payment: exact decimal
// exchange rates (a dated reference table in the ECB's format), conversion
// into the settlement currency, fees, the one rounding rule, and the
// balance transactions every movement of money writes. It is pure: no HTTP,
// no SQL, no clock of its own.
package ledger

import (
	"fmt"
	"math/big"
	"strings"
)

// Decimal is an exact non-negative decimal as written in a rates file,
// e.g. "1.0823": an integer mantissa (10823) and a scale (4). It is kept
// as its canonical text so a stored rate reads back exactly.
type Decimal string

// ParseDecimal accepts digits with at most one decimal point ("1.0823",
// "16950.12", "0.85510"); no sign, exponent, fraction or spaces, so nothing
// is ever guessed at. The value must be positive.
func ParseDecimal(s string) (Decimal, error) {
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || (hasPoint && frac == "") || !digits(whole) || !digits(frac) {
		return "", fmt.Errorf("ledger: %q is not a decimal number like 1.0823", s)
	}
	d := Decimal(s)
	if d.Rat().Sign() <= 0 {
		return "", fmt.Errorf("ledger: rate %q must be greater than zero", s)
	}
	return d, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Rat is the decimal's exact value: mantissa / 10^scale.
func (d Decimal) Rat() *big.Rat {
	whole, frac, _ := strings.Cut(string(d), ".")
	mantissa, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok {
		return new(big.Rat)
	}
	return new(big.Rat).SetFrac(mantissa, pow10(len(frac)))
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}
