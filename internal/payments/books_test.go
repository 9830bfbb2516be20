package payments

import (
	"fmt"

	"kassa/internal/ledger"
	"kassa/internal/methods"
)

// testBooks books with the embedded rates and default prices, numbering
// transactions txn_1, txn_2, …
func testBooks() *Books {
	n := 0
	return &Books{Ledger: ledger.Default(), NewID: func() string { n++; return fmt.Sprintf("txn_%d", n) }}
}

func vipps() methods.Method {
	m, _ := methods.Lookup(methods.Vipps)
	return m
}

// capturedCharge is a succeeded Vipps charge of pi_1 with amount captured and booked.
func capturedCharge(amount int64) *Charge {
	ch := &Charge{ID: "ch_1", AccountID: "acct_1", PaymentIntentID: "pi_1", Method: methods.Vipps, Amount: amount,
		AmountCaptured: amount, Currency: "nok", Status: ChargeSucceeded, Captured: true, Created: t0}
	if err := testBooks().capture(ch, t0); err != nil {
		panic(err)
	}
	return ch
}
