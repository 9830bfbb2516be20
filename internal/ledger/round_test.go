package ledger

import (
	"errors"
	"math/big"
	"testing"
)

func TestRoundHalfToEven(t *testing.T) {
	for _, tc := range []struct {
		num, den int64
		want     int64
	}{
		{0, 1, 0}, {5, 10, 0}, {15, 10, 2}, {25, 10, 2}, {35, 10, 4}, {-5, 10, 0}, {-15, 10, -2}, {-25, 10, -2},
		{149, 100, 1}, {151, 100, 2}, {-151, 100, -2}, {-149, 100, -1}, {7, 1, 7}, {-7, 1, -7}, {1, 3, 0}, {2, 3, 1}, {-2, 3, -1},
	} {
		got, err := Round(big.NewRat(tc.num, tc.den))
		if err != nil || got != tc.want {
			t.Errorf("Round(%d/%d) = %d, %v; want %d", tc.num, tc.den, got, err, tc.want)
		}
	}
	huge := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 70))
	if _, err := Round(huge); !errors.Is(err, ErrOverflow) {
		t.Fatalf("2^70: %v", err)
	}
}

func TestSignificantDigits(t *testing.T) {
	for _, tc := range []struct {
		r    *big.Rat
		n    int
		want string
	}{
		{big.NewRat(1, 1), 12, "1"},
		{big.NewRat(100000, 87915), 12, "1.13746232156"},
		{big.NewRat(1158700, 19321450000), 12, "0.0000599696192574"},
		{big.NewRat(2, 3), 3, "0.667"},
		{big.NewRat(9995, 1000), 3, "10"}, // 9.995 → 9.99|5 ties to even: 10.0
		{big.NewRat(123456, 1), 3, "123000"},
		{big.NewRat(1, 8), 12, "0.125"},
	} {
		if got := significant(tc.r, tc.n); got != tc.want {
			t.Errorf("significant(%s, %d) = %s, want %s", tc.r, tc.n, got, tc.want)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	for _, ok := range []string{"1", "1.0823", "0.85510", "19321.45", "007.5"} {
		d, err := ParseDecimal(ok)
		if err != nil || string(d) != ok {
			t.Errorf("ParseDecimal(%q) = %q, %v", ok, d, err)
		}
	}
	if got := Decimal("1.0823").Rat(); got.Cmp(big.NewRat(10823, 10000)) != 0 {
		t.Errorf("1.0823 is %s", got)
	}
	for _, bad := range []string{"", ".5", "1.", "-1.2", "+1", "1e3", "1/3", " 1.2", "1,2", "1.2.3", "0", "0.000", "NaN", "N/A"} {
		if _, err := ParseDecimal(bad); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
}
