package ledger

import (
	"math/big"
	"testing"
	"time"

	"pgregory.net/rapid"

	"kassa/internal/methods"
	"kassa/internal/money"
)

var noon = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func testLedger(t testing.TB) *Ledger {
	r, err := ParseRates([]byte(histCSV + "")) // GBP, USD, IDR quoted
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePricing([]byte(`{"methods": {"sofort": {"fee_bps": 140, "fee_fixed": 25, "settlement_delay": "48h"},
		"bank_transfer_id": {"fee_bps": 100, "fee_fixed": 30, "dispute_fee": 1500, "settlement_delay": "72h"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	return &Ledger{Rates: r, Pricing: p}
}

func move(id, source string, m methods.Type) Movement {
	return Movement{ID: id, AccountID: "acct_1", Source: source, Method: m, On: noon}
}

func TestCaptureConvertsAndCharges(t *testing.T) {
	l := testLedger(t)
	txn, s, err := l.Capture(move("txn_1", "ch_1", methods.Sofort), 1000, "gbp")
	if err != nil {
		t.Fatal(err)
	}
	// 10.00 GBP → 11.37 EUR; fee 1.40 % of 1137 = 15.918 → 16, + 25.
	if txn.Amount != 1137 || txn.Fee != 41 || txn.Net != 1096 || txn.Currency != "eur" || txn.Type != "charge" ||
		txn.ReportingCategory != "charge" || txn.Source != "ch_1" || txn.ExchangeRate == nil || txn.ExchangeRate.FromPerEUR != "0.87915" {
		t.Fatalf("%+v", txn)
	}
	if len(txn.FeeDetails) != 1 || txn.FeeDetails[0].Amount != 41 || txn.FeeDetails[0].Type != "stripe_fee" {
		t.Fatalf("fee details %+v", txn.FeeDetails)
	}
	if !txn.AvailableOn.Equal(noon.Add(48*time.Hour)) || txn.Status(noon.Add(47*time.Hour)) != StatusPending || txn.Status(noon.Add(48*time.Hour)) != StatusAvailable {
		t.Fatalf("available_on %v", txn.AvailableOn)
	}
	if s.Gross != 1137 || s.Reversed != 0 || s.Currency != "eur" {
		t.Fatalf("settlement %+v", s)
	}
	// In the settlement currency there is no rate.
	txn, s, _ = l.Capture(move("txn_2", "ch_2", methods.Sofort), 2000, "eur")
	if txn.Amount != 2000 || txn.Fee != 53 || txn.ExchangeRate != nil || s.Rate != nil {
		t.Fatalf("eur: %+v", txn)
	}
}

func TestTakeBackConvertsCumulativeTotals(t *testing.T) {
	l := testLedger(t)
	_, s, _ := l.Capture(move("txn_c", "ch_1", methods.Sofort), 1000, "gbp") // 1137 EUR cents
	// Three refunds of 3.33, 3.33 and 3.34 GBP: each alone converts to
	// 378.77… → 379, 379 and 380.… → 380 = 1138, one cent more than the
	// charge brought in. Converting the running totals takes back exactly 1137.
	held, taken := int64(0), int64(0)
	var takes []int64
	for i, part := range []int64{333, 333, 334} {
		held += part
		txn, n, err := l.TakeBack(s, Refund, move("txn_r", "re_1", methods.Sofort), held)
		if err != nil {
			t.Fatal(err)
		}
		if txn.Amount != -n || txn.Fee != 0 || txn.Net != -n || !txn.AvailableOn.Equal(noon) || txn.Type != "refund" {
			t.Fatalf("refund %d: %+v", i, txn)
		}
		taken += n
		takes = append(takes, n)
	}
	if taken != 1137 || s.Reversed != 1137 || takes[0] != 379 || takes[1] != 379 || takes[2] != 379 {
		t.Fatalf("took %v, reversed %d", takes, s.Reversed)
	}
	// A failed refund gives back exactly what it took.
	back := l.GiveBack(s, RefundFailure, move("txn_f", "re_1", methods.Sofort), takes[1])
	if back.Amount != 379 || back.Net != 379 || back.Type != "refund_failure" || s.Reversed != 758 {
		t.Fatalf("give back %+v reversed %d", back, s.Reversed)
	}
}

func TestDisputeWithdrawalCarriesTheFee(t *testing.T) {
	l := testLedger(t)
	_, s, _ := l.Capture(move("txn_c", "ch_1", methods.BankTransferID), 150000000, "idr") // 89.95 USD
	txn, taken, err := l.TakeBack(s, DisputeWithdrawal, move("txn_d", "dp_1", methods.BankTransferID), 150000000)
	if err != nil {
		t.Fatal(err)
	}
	if taken != 8995 || txn.Amount != -8995 || txn.Fee != 1500 || txn.Net != -10495 || txn.Type != "adjustment" || txn.ReportingCategory != "dispute" {
		t.Fatalf("%+v", txn)
	}
	won := l.GiveBack(s, DisputeReinstatement, move("txn_w", "dp_1", methods.BankTransferID), taken)
	if won.Amount != 8995 || won.Fee != 0 || won.ReportingCategory != "dispute_reversal" || s.Reversed != 0 {
		t.Fatalf("%+v", won)
	}
}

// TestSettlementNeverReversesMoreThanGross: whatever refunds, failures and
// disputes happen in whatever order, what is taken back equals the running
// total held converted exactly (after every take), never exceeds the
// charge's gross, and the transactions add up to it.
func TestSettlementNeverReversesMoreThanGross(t *testing.T) {
	l := testLedger(t)
	rapid.Check(t, func(rt *rapid.T) {
		currency := rapid.SampledFrom([]string{"gbp", "eur", "idr"}).Draw(rt, "currency")
		method := methods.Sofort
		if currency == "idr" {
			method = methods.BankTransferID
		}
		captured := rapid.Int64Range(1, 99_999_999).Draw(rt, "captured")
		_, s, err := l.Capture(move("txn_c", "ch_1", method), captured, moneyOf(currency))
		if err != nil {
			rt.Fatal(err)
		}
		type hold struct{ amount, taken int64 }
		var holds []hold
		var held, sum int64
		for range rapid.IntRange(0, 20).Draw(rt, "steps") {
			if len(holds) > 0 && rapid.Bool().Draw(rt, "give back") {
				i := rapid.IntRange(0, len(holds)-1).Draw(rt, "which")
				txn := l.GiveBack(s, RefundFailure, move("txn_g", "re_x", method), holds[i].taken)
				held -= holds[i].amount
				sum += txn.Net
				holds = append(holds[:i], holds[i+1:]...)
				continue
			}
			if held == captured {
				continue
			}
			amount := rapid.Int64Range(1, captured-held).Draw(rt, "amount")
			held += amount
			txn, taken, err := l.TakeBack(s, Refund, move("txn_t", "re_x", method), held)
			if err != nil {
				rt.Fatal(err)
			}
			sum += txn.Net
			holds = append(holds, hold{amount, taken})
			want := held
			if s.Rate != nil {
				want, _ = Round(new(big.Rat).Mul(big.NewRat(held, 1), scaleRat(s.Rate.Value(), 0)))
			}
			if taken > 0 && s.Reversed != want {
				rt.Fatalf("after taking, reversed %d ≠ %d (held %d converted)", s.Reversed, want, held)
			}
		}
		if s.Reversed < 0 || s.Reversed > s.Gross || -sum != s.Reversed {
			rt.Fatalf("reversed %d, gross %d, transactions sum %d", s.Reversed, s.Gross, sum)
		}
	})
}

func moneyOf(c string) money.Currency { return money.Currency(c) }
