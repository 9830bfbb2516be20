package ledger

import (
	"testing"
	"time"

	"kassa/internal/methods"
)

func TestFee(t *testing.T) {
	for _, tc := range []struct {
		terms Terms
		gross int64
		want  int64
	}{
		{Terms{FeeBps: 140, FeeFixed: 25}, 2000, 53}, // 28 + 25
		{Terms{FeeBps: 140, FeeFixed: 25}, 1137, 41}, // 15.918 → 16, + 25
		{Terms{FeeBps: 250}, 100, 2},                 // 2.5 ties to even: 2
		{Terms{FeeBps: 350}, 100, 4},                 // 3.5 ties to even: 4
		{Terms{FeeBps: 100, FeeFixed: 30}, 60, 31},   // 0.6 → 1, + 30: more than the charge
		{Terms{}, 5000, 0},
	} {
		got, err := tc.terms.Fee(tc.gross)
		if err != nil || got != tc.want {
			t.Errorf("%+v on %d: %d %v, want %d", tc.terms, tc.gross, got, err, tc.want)
		}
	}
}

func TestDefaultPricingUsesTheCatalogueDelays(t *testing.T) {
	p := DefaultPricing()
	for _, m := range methods.All() {
		got := p.Terms("acct_any", m.Type)
		if got.SettlementDelay != m.SettlementDelay || got.FeeBps != defaultFees[m.Type].FeeBps {
			t.Errorf("%s: %+v", m.Type, got)
		}
	}
}

func TestParsePricingOverridesFieldByField(t *testing.T) {
	p, err := ParsePricing([]byte(`{
		"methods": {"sofort": {"fee_bps": 200, "settlement_delay": "24h"}, "vipps": {"fee_fixed": 0}},
		"accounts": {"acct_vip": {"sofort": {"fee_fixed": 0}, "bank_transfer_id": {"dispute_fee": 0}}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultPricing()
	want := map[string]map[methods.Type]Terms{
		"acct_other": {
			methods.Sofort:         {FeeBps: 200, FeeFixed: 25, SettlementDelay: 24 * time.Hour},
			methods.Vipps:          {FeeBps: 190, FeeFixed: 0, SettlementDelay: def.Terms("", methods.Vipps).SettlementDelay},
			methods.BankTransferID: def.Terms("", methods.BankTransferID),
		},
		"acct_vip": {
			methods.Sofort:         {FeeBps: 200, FeeFixed: 0, SettlementDelay: 24 * time.Hour},
			methods.BankTransferID: {FeeBps: 100, FeeFixed: 30, DisputeFee: 0, SettlementDelay: 72 * time.Hour},
			methods.Vipps:          {FeeBps: 190, FeeFixed: 0, SettlementDelay: 48 * time.Hour},
		},
	}
	for account, terms := range want {
		for m, w := range terms {
			if got := p.Terms(account, m); got != w {
				t.Errorf("%s %s: %+v, want %+v", account, m, got, w)
			}
		}
	}
}

func TestParsePricingRefusesMistakes(t *testing.T) {
	for name, data := range map[string]string{
		"unknown method":   `{"methods": {"card": {"fee_bps": 1}}}`,
		"unknown field":    `{"methods": {"sofort": {"fee_percent": 1.4}}}`,
		"negative fee":     `{"methods": {"sofort": {"fee_fixed": -1}}}`,
		"over 100 %":       `{"methods": {"sofort": {"fee_bps": 10001}}}`,
		"fraction of bps":  `{"methods": {"sofort": {"fee_bps": 1.5}}}`,
		"bad delay":        `{"methods": {"sofort": {"settlement_delay": "2 days"}}}`,
		"negative delay":   `{"methods": {"sofort": {"settlement_delay": "-1h"}}}`,
		"account, unknown": `{"accounts": {"acct_1": {"ideal": {}}}}`,
		"not json":         `fee_bps=140`,
	} {
		if _, err := ParsePricing([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
