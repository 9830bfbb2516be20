package main

import (
	"maps"
	"testing"

	"kassa/internal/loadgen"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		mix  string
		want map[loadgen.Op]int // nil: refused
	}{
		{"create_confirm=45,complete=25,retrieve=15,list=10,refund=5", loadgen.DefaultMix},
		{"checkout=1, checkout_pay=2", map[loadgen.Op]int{loadgen.OpCheckout: 1, loadgen.OpCheckoutPay: 2}},
		{"create_confirm=100,refund=0", map[loadgen.Op]int{loadgen.OpCreateConfirm: 100, loadgen.OpRefund: 0}},
		{"chekout=1", nil},
		{"create_confirm", nil},
		{"create_confirm=-1", nil},
		{"create_confirm=x", nil},
	}
	for _, tc := range tests {
		got, err := parseMix(tc.mix)
		if (err != nil) != (tc.want == nil) || (tc.want != nil && !maps.Equal(got, tc.want)) {
			t.Errorf("parseMix(%q) = %v, %v; want %v", tc.mix, got, err, tc.want)
		}
	}
	// Every operation the generator knows can be weighed.
	for _, op := range loadgen.Ops {
		if _, err := parseMix(string(op) + "=1"); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
}
