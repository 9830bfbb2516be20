// Package money holds Kassa's rules for amounts: integer minor units in a
// currency whose exponent comes from CLDR data (github.com/bojanz/currency),
// never from a hand-written table and never through floats.
package money

import (
	"fmt"
	"strings"

	"github.com/bojanz/currency"
)

// Currency is a lower-case ISO 4217 code, the form Stripe's API uses on the wire.
type Currency string

// ParseCurrency accepts any case ("EUR", "eur") and rejects unknown codes.
func ParseCurrency(code string) (Currency, error) {
	upper := strings.ToUpper(strings.TrimSpace(code))
	if !currency.IsValid(upper) || len(upper) != 3 {
		return "", fmt.Errorf("invalid currency: %s", code)
	}
	return Currency(strings.ToLower(upper)), nil
}

// Upper is the ISO form (e.g. "EUR") used by catalogues and foreign interfaces.
func (c Currency) Upper() string { return strings.ToUpper(string(c)) }

// Exponent is the number of minor-unit digits (2 for EUR, 0 for JPY).
func (c Currency) Exponent() int {
	digits, ok := currency.GetDigits(c.Upper())
	if !ok {
		return 2
	}
	return int(digits)
}

// Format renders an amount in minor units as a major-unit decimal string
// ("2000" EUR -> "20.00") with integer arithmetic only.
func Format(minor int64, c Currency) string {
	exp := c.Exponent()
	sign := ""
	// uint64 holds the magnitude of every int64, the most negative included.
	magnitude := uint64(minor)
	if minor < 0 {
		sign, magnitude = "-", uint64(-(minor+1))+1
	}
	if exp == 0 {
		return fmt.Sprintf("%s%d", sign, magnitude)
	}
	scale := uint64(1)
	for range exp {
		scale *= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, magnitude/scale, exp, magnitude%scale)
}

// Display renders an amount for people, e.g. "20.00 EUR".
func Display(minor int64, c Currency) string {
	return Format(minor, c) + " " + c.Upper()
}

// Localized renders an amount the way people of a locale write it, with
// CLDR's symbols, separators and patterns: 2000 EUR is "€20.00" in "en",
// "20,00 €" in "de" and "20,00 €" in "fr". Unknown locales fall back to
// CLDR's root; an amount the library cannot represent falls back to Display.
func Localized(minor int64, c Currency, locale string) string {
	amount, err := currency.NewAmountFromInt64(minor, c.Upper())
	if err != nil {
		return Display(minor, c)
	}
	return currency.NewFormatter(currency.NewLocale(locale)).Format(amount)
}
