package shopware

import (
	"encoding/json"
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"kassa/internal/money"
)

// jsonNumber is the JSON grammar of a non-negative number.
var jsonNumber = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?([0-9]+))?$`)

// FuzzMinorUnits checks MinorUnits against exact rational arithmetic: an
// amount it accepts is exactly the number in minor units, and a JSON
// number that is a whole, non-negative count of minor units within int64
// (exponent within ±40) is accepted.
func FuzzMinorUnits(f *testing.F) {
	for _, s := range []string{"12.3", "0.29", "1.0E+25", "1e2", "1.005", "0", "0.000", "-1", "01", "1.", ".5",
		"9223372036854775807", "92233720368547758.08", "1e-400", "1e+-2", "1E40", "5e-1"} {
		f.Add(s, "eur")
	}
	f.Add("1500", "jpy")
	f.Add("12.345", "kwd")
	f.Fuzz(func(t *testing.T, s, currency string) {
		c := money.Currency(currency)
		if _, err := money.ParseCurrency(currency); err != nil {
			c = "eur"
		}
		got, err := MinorUnits(json.Number(s), c)
		if err != nil && !errors.Is(err, ErrAmount) {
			t.Fatalf("%q: error %v does not wrap ErrAmount", s, err)
		}
		m := jsonNumber.FindStringSubmatch(s)
		if m == nil {
			if err == nil {
				t.Fatalf("%q is no JSON number, yet gave %d", s, got)
			}
			return
		}
		if len(strings.TrimLeft(m[4], "0")) > 4 { // exponents beyond ±9999 ("1e00002" is 1e2): out of range either way
			if err == nil && strings.Trim(s[:strings.IndexAny(s, "eE")], "0.") != "" {
				t.Fatalf("%q: a huge exponent gave %d", s, got)
			}
			return
		}
		r, ok := new(big.Rat).SetString(strings.ToLower(s))
		if !ok {
			t.Fatalf("big.Rat cannot read %q", s)
		}
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(c.Exponent())), nil)))
		exact := r.IsInt() && r.Num().IsInt64()
		if err == nil && (!exact || r.Num().Int64() != got) {
			t.Fatalf("%q %s gave %d, exactly it is %s", s, c, got, r.RatString())
		}
		inRange := !strings.ContainsAny(s, "eE") || exponentWithin(m[3], 40, 400)
		if err != nil && exact && inRange {
			t.Fatalf("%q %s is %s minor units, refused: %v", s, c, r.RatString(), err)
		}
	})
}

// exponentWithin says whether e ("e+12", "E-3") lies in [-below, above].
func exponentWithin(e string, above, below int) bool {
	n, ok := new(big.Int).SetString(strings.TrimPrefix(strings.ToLower(e)[1:], "+"), 10)
	return ok && n.Cmp(big.NewInt(int64(above))) <= 0 && n.Cmp(big.NewInt(int64(-below))) >= 0
}

// FuzzVerifyQuery: a query signed as sent always verifies, whatever it
// holds, and a wrong signature never does.
func FuzzVerifyQuery(f *testing.F) {
	f.Add("shop-id=s1&shop-url=https://shop.example&timestamp=1700000000", "secret")
	f.Add("shop-id=s1&shop-url=https%3A%2F%2Fshop.example", "k")
	f.Add("a=%zz&&=", "")
	f.Fuzz(func(t *testing.T, query, key string) {
		sig := Sign([]byte(key), []byte(query))
		if !VerifyQuery([]byte(key), query, sig) {
			t.Fatalf("%q signed as sent does not verify", query)
		}
		if VerifyQuery([]byte(key), query, Sign([]byte(key+"x"), []byte(query))) {
			t.Fatalf("%q verifies under another key", query)
		}
	})
}
