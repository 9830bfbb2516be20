package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"time"

	"kassa/internal/methods"
)

// Terms are what a method costs an account and when its money arrives.
// Fees are in the settlement currency's minor units.
type Terms struct {
	// FeeBps is the percentage fee on a charge's settled amount, in basis
	// points (140 = 1.40 %); FeeFixed is added per charge.
	FeeBps   int64
	FeeFixed int64
	// DisputeFee is charged when a dispute withdraws funds; it is not
	// returned if the dispute is won.
	DisputeFee int64
	// SettlementDelay is how long a charge's funds stay pending before
	// they are available.
	SettlementDelay time.Duration
}

// Fee is the charge fee on a settled amount: gross × FeeBps / 10000,
// rounded by Round, plus FeeFixed.
func (t Terms) Fee(gross int64) (int64, error) {
	pct, err := Round(new(big.Rat).Mul(new(big.Rat).SetInt64(gross), big.NewRat(t.FeeBps, 10_000)))
	if err != nil {
		return 0, err
	}
	return pct + t.FeeFixed, nil
}

// defaultFees is Kassa's price list when no fees file says otherwise.
var defaultFees = map[methods.Type]Terms{
	methods.Sofort:         {FeeBps: 140, FeeFixed: 25},                   // 1.40 % + 0.25 EUR
	methods.BankTransferID: {FeeBps: 100, FeeFixed: 30, DisputeFee: 1500}, // 1.00 % + 0.30 USD; 15.00 USD per dispute
	methods.Vipps:          {FeeBps: 190, FeeFixed: 100},                  // 1.90 % + 1.00 NOK
}

// Pricing holds every account's terms: per-method defaults and overrides
// per account.
type Pricing struct {
	methods  map[methods.Type]Terms
	accounts map[string]map[methods.Type]Terms
}

// DefaultPricing is Kassa's price list, with the catalogue's settlement delays.
func DefaultPricing() *Pricing {
	p := &Pricing{methods: map[methods.Type]Terms{}, accounts: map[string]map[methods.Type]Terms{}}
	for _, m := range methods.All() {
		t := defaultFees[m.Type]
		t.SettlementDelay = m.SettlementDelay
		p.methods[m.Type] = t
	}
	return p
}

// Terms are an account's terms for a method.
func (p *Pricing) Terms(accountID string, m methods.Type) Terms {
	if t, ok := p.accounts[accountID][m]; ok {
		return t
	}
	return p.methods[m]
}

// termsFile is one method's entry in a fees file; absent fields keep the
// value they override.
type termsFile struct {
	FeeBps          *int64  `json:"fee_bps"`
	FeeFixed        *int64  `json:"fee_fixed"`
	DisputeFee      *int64  `json:"dispute_fee"`
	SettlementDelay *string `json:"settlement_delay"`
}

type pricingFile struct {
	Methods  map[methods.Type]termsFile            `json:"methods"`
	Accounts map[string]map[methods.Type]termsFile `json:"accounts"`
}

// LoadPricingFile reads a fees file (see ParsePricing).
func LoadPricingFile(path string) (*Pricing, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := ParsePricing(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ParsePricing reads a fees file, JSON:
//
//	{"methods":  {"sofort": {"fee_bps": 140, "fee_fixed": 25, "dispute_fee": 0, "settlement_delay": "48h"}},
//	 "accounts": {"acct_…": {"sofort": {"fee_bps": 90}}}}
//
// "methods" changes the defaults field by field; an account's entry
// changes that account's terms (starting from the defaults) field by field.
// Unknown methods, fields and negative values are errors.
func ParsePricing(data []byte) (*Pricing, error) {
	var f pricingFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("ledger: fees file: %w", err)
	}
	p := DefaultPricing()
	for m, tf := range f.Methods {
		t, err := merge(p.methods, m, tf)
		if err != nil {
			return nil, fmt.Errorf("ledger: fees file, methods.%s: %w", m, err)
		}
		p.methods[m] = t
	}
	for account, entries := range f.Accounts {
		p.accounts[account] = map[methods.Type]Terms{}
		for m, tf := range entries {
			t, err := merge(p.methods, m, tf)
			if err != nil {
				return nil, fmt.Errorf("ledger: fees file, accounts.%s.%s: %w", account, m, err)
			}
			p.accounts[account][m] = t
		}
	}
	return p, nil
}

func merge(base map[methods.Type]Terms, m methods.Type, f termsFile) (Terms, error) {
	t, ok := base[m]
	if !ok {
		return Terms{}, fmt.Errorf("unknown payment method %q", m)
	}
	for _, v := range []struct {
		name string
		src  *int64
		dst  *int64
	}{{"fee_bps", f.FeeBps, &t.FeeBps}, {"fee_fixed", f.FeeFixed, &t.FeeFixed}, {"dispute_fee", f.DisputeFee, &t.DisputeFee}} {
		if v.src == nil {
			continue
		}
		if *v.src < 0 || (v.name == "fee_bps" && *v.src > 10_000) {
			return Terms{}, fmt.Errorf("%s %d is out of range", v.name, *v.src)
		}
		*v.dst = *v.src
	}
	if f.SettlementDelay != nil {
		d, err := time.ParseDuration(*f.SettlementDelay)
		if err != nil || d < 0 {
			return Terms{}, fmt.Errorf("settlement_delay %q is not a duration like 48h", *f.SettlementDelay)
		}
		t.SettlementDelay = d
	}
	return t, nil
}
