package ledger

import (
	"errors"
	"math/big"
	"strings"
)

// ErrOverflow: a result does not fit in int64 minor units.
var ErrOverflow = errors.New("ledger: amount out of range")

// Round is Kassa's one rounding rule, used for every conversion and fee:
// to the nearest integer, and exactly halfway to the even neighbour
// (banker's rounding). It is symmetric, so a refund converts to exactly the
// negative of a charge of the same amount, and unbiased over many rounds.
func Round(r *big.Rat) (int64, error) {
	n := roundBig(r)
	if !n.IsInt64() {
		return 0, ErrOverflow
	}
	return n.Int64(), nil
}

func roundBig(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int)) // truncates toward zero
	twice := new(big.Int).Abs(m)
	twice.Lsh(twice, 1)
	switch twice.Cmp(r.Denom()) {
	case 1:
		q.Add(q, big.NewInt(int64(r.Sign())))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(int64(r.Sign())))
		}
	}
	return q
}

// significant renders a positive r with at most n significant digits
// (rounded by the same rule), trailing zeros trimmed: how an exact rate
// is shown on the wire.
func significant(r *big.Rat, n int) string {
	if r.Sign() <= 0 {
		return "0"
	}
	// Find k with 10^(k-1) <= r < 10^k, then scale to n digits.
	k := len(new(big.Int).Quo(r.Num(), r.Denom()).String())
	if r.Cmp(big.NewRat(1, 1)) < 0 {
		k = 0
		for x := new(big.Rat).Set(r); x.Cmp(big.NewRat(1, 10)) < 0; x.Mul(x, big.NewRat(10, 1)) {
			k--
		}
	}
	scale := n - k
	v := roundBig(scaleRat(r, scale))
	if len(v.String()) > n { // rounding carried into a new digit (9.99… → 10.0…)
		scale--
		v = roundBig(scaleRat(r, scale))
	}
	s := v.String()
	if scale <= 0 {
		return s + strings.Repeat("0", -scale)
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// scaleRat returns r * 10^e (e may be negative).
func scaleRat(r *big.Rat, e int) *big.Rat {
	p := new(big.Rat).SetInt(pow10(abs(e)))
	if e < 0 {
		return new(big.Rat).Quo(r, p)
	}
	return new(big.Rat).Mul(r, p)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
