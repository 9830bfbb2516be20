package shopware

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"kassa/internal/money"
)

// ErrAmount is wrapped by every reason an amount cannot be taken exactly.
var ErrAmount = errors.New("shopware: invalid amount")

// MinorUnits converts an amount Shopware sends as a JSON float in major
// units (e.g. 12.3 or 1.0E+25, as PHP's json_encode writes floats) into
// integer minor units of currency c. It reads the number's text, never a
// float64, so no rounding happens: 12.3 EUR is 1230, 0.29 EUR is 29. More
// decimals than the currency has are rejected unless they are zeros (a
// shop rounding to 3 decimals must not lose a fraction of a cent), as are
// negative amounts and amounts beyond int64.
func MinorUnits(number json.Number, c money.Currency) (int64, error) {
	digits, pointAt, err := decimalDigits(string(number))
	if err != nil {
		return 0, err
	}
	exp := c.Exponent()
	// digits[:pointAt] is the integer part; keep exp digits after it.
	cut := pointAt + exp
	for cut > len(digits) {
		digits += "0"
	}
	if cut < 0 {
		// Every digit lies beyond the minor unit: only zero is exact.
		if strings.Trim(digits, "0") != "" {
			return 0, fmt.Errorf("%w: %s has more decimals than %s allows (%d)", ErrAmount, number, c.Upper(), exp)
		}
		return 0, nil
	}
	if strings.Trim(digits[cut:], "0") != "" {
		return 0, fmt.Errorf("%w: %s has more decimals than %s allows (%d)", ErrAmount, number, c.Upper(), exp)
	}
	whole := strings.TrimLeft(digits[:cut], "0")
	if whole == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(whole, 10, 64)
	if err != nil { // beyond int64
		return 0, fmt.Errorf("%w: %s is too large", ErrAmount, number)
	}
	return v, nil
}

// decimalDigits splits a non-negative JSON number into its significant
// digits and the position of the decimal point within them, after the
// exponent is applied; pointAt may be negative or beyond the digits.
func decimalDigits(s string) (digits string, pointAt int, err error) {
	bad := func(why string) (string, int, error) {
		return "", 0, fmt.Errorf("%w: %q %s", ErrAmount, s, why)
	}
	if s == "" {
		return bad("is empty")
	}
	if s[0] == '-' {
		return bad("is negative")
	}
	mantissa, exponent, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, hasPoint := strings.Cut(mantissa, ".")
	if !allDigits(intPart) || (hasPoint && !allDigits(frac)) || (len(intPart) > 1 && intPart[0] == '0') {
		return bad("is not a JSON number")
	}
	shift := 0
	if hasExp {
		// One optional sign, then digits ("1e+-2" is no number).
		digitsOnly := exponent
		if digitsOnly != "" && (digitsOnly[0] == '+' || digitsOnly[0] == '-') {
			digitsOnly = digitsOnly[1:]
		}
		if !allDigits(digitsOnly) {
			return bad("is not a JSON number")
		}
		n, perr := strconv.Atoi(exponent)
		if perr != nil || n > 40 || n < -400 {
			return bad("has an exponent out of range")
		}
		shift = n
	}
	return intPart + frac, len(intPart) + shift, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
