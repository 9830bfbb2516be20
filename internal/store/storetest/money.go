package storetest

import (
	"errors"
	"fmt"
	"kassa/internal/money"
	"reflect"
	"sync"
	"testing"
	"time"

	"kassa/internal/ledger"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// moneyTests cover refunds, disputes and the balance ledger.
var moneyTests = map[string]func(*testing.T, store.Store){
	"RefundsRoundTripAndFilters":       testRefunds,
	"DueRefunds":                       testDueRefunds,
	"DisputesOnePerCharge":             testDisputes,
	"BalanceTransactionsAndBalance":    testBalanceTransactions,
	"MoneyObjectsAreScopedToAccount":   testMoneyScoping,
	"MoneyEventsRoundTrip":             testMoneyEvents,
	"ConcurrentRefundsNeverOverRefund": testConcurrentRefunds,
}

func refund(accountID, id, charge, pi string, amount int64, created time.Time) *payments.Refund {
	return &payments.Refund{ID: id, AccountID: accountID, ChargeID: charge, PaymentIntentID: pi, Method: methods.Sofort,
		Amount: amount, Currency: "eur", Status: payments.RefundPending, Reason: "duplicate",
		Metadata: map[string]string{"k": "v"}, BalanceTransactionID: "txn_" + id, SettlementTaken: amount, Created: created}
}

func testRefunds(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	write(t, s, func(tx store.Tx) error {
		for i, c := range []struct{ charge, pi string }{{"ch_a", "pi_a"}, {"ch_b", "pi_b"}, {"ch_a", "pi_a"}} {
			if err := tx.InsertRefund(ctx, refund("acct_1", fmt.Sprintf("re_%d", i), c.charge, c.pi, 100, t0.Add(time.Duration(i)*time.Second))); err != nil {
				return err
			}
		}
		return nil
	})
	r := refund("acct_1", "re_0", "ch_a", "pi_a", 100, t0)
	r.Status, r.FailureReason, r.FailureBalanceTransactionID = payments.RefundFailed, "declined", "txn_f"
	write(t, s, func(tx store.Tx) error { return tx.UpdateRefund(ctx, r) })
	read(t, s, func(rd store.Reader) error {
		got, err := rd.Refund(ctx, "acct_1", "re_0")
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Fatalf("round trip:\n got %+v\nwant %+v\n%v", got, r, err)
		}
		ids := func(q store.ListQuery) string {
			q.Limit = 10
			items, _, err := rd.ListRefunds(ctx, "acct_1", q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, it := range items {
				out = append(out, it.ID)
			}
			return fmt.Sprint(out)
		}
		for q, want := range map[*store.ListQuery]string{
			{}:                                      "[re_2 re_1 re_0]",
			{Charge: "ch_a"}:                        "[re_2 re_0]",
			{PaymentIntent: "pi_b"}:                 "[re_1]",
			{Charge: "ch_b", PaymentIntent: "pi_a"}: "[]",
			{Created: store.TimeRange{GTE: t0.Add(time.Second)}}: "[re_2 re_1]",
			{Charge: "ch_a", StartingAfter: "re_2"}:              "[re_0]",
		} {
			if got := ids(*q); got != want {
				t.Errorf("refunds %+v: %s, want %s", *q, got, want)
			}
		}
		return nil
	})
	notFound(t, s, "updating a missing refund", func(tx store.Tx) error {
		return tx.UpdateRefund(ctx, refund("acct_1", "re_missing", "ch_a", "pi_a", 1, t0))
	})
}

func testDueRefunds(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	write(t, s, func(tx store.Tx) error {
		for i, after := range []time.Duration{10 * time.Second, time.Second, 0} {
			r := refund("acct_1", fmt.Sprintf("re_%d", i), "ch_1", "pi_1", 100, t0)
			if after > 0 {
				r.SettleAt = t0.Add(after)
			}
			if err := tx.InsertRefund(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	due := func(at time.Duration) []store.ObjectRef {
		var out []store.ObjectRef
		read(t, s, func(rd store.Reader) error {
			var err error
			out, err = rd.DueRefunds(ctx, t0.Add(at), 10)
			return err
		})
		return out
	}
	if got := due(time.Minute); !reflect.DeepEqual(got, []store.ObjectRef{{AccountID: "acct_1", ID: "re_1"}, {AccountID: "acct_1", ID: "re_0"}}) {
		t.Fatalf("due at +1m, earliest first: %v", got)
	}
	if got := due(time.Second); len(got) != 1 || got[0].ID != "re_1" {
		t.Fatalf("due at +1s (inclusive): %v", got)
	}
	// Once it is no longer pending, a refund is not due.
	write(t, s, func(tx store.Tx) error {
		r, err := tx.Refund(ctx, "acct_1", "re_1")
		if err != nil {
			return err
		}
		r.Status = payments.RefundSucceeded
		return tx.UpdateRefund(ctx, r)
	})
	if got := due(time.Minute); len(got) != 1 || got[0].ID != "re_0" {
		t.Fatalf("due after re_1 succeeded: %v", got)
	}
}

func dispute(accountID, id, charge, pi string, created time.Time) *payments.Dispute {
	return &payments.Dispute{ID: id, AccountID: accountID, ChargeID: charge, PaymentIntentID: pi, Method: methods.BankTransferID,
		Amount: 500, Currency: "idr", Status: payments.DisputeNeedsResponse, Reason: "fraudulent",
		DueBy: created.Add(7 * 24 * time.Hour), BalanceTransactions: []*ledger.Transaction{txn(accountID, "txn_w", "adjustment", id, "usd", -3, created, created)}, Withdrawn: 3, Created: created}
}

func testDisputes(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertDispute(ctx, dispute("acct_1", "dp_1", "ch_1", "pi_1", t0)); err != nil {
			return err
		}
		return tx.InsertDispute(ctx, dispute("acct_1", "dp_2", "ch_2", "pi_2", t0.Add(time.Second)))
	})
	err := s.Write(ctx, func(tx store.Tx) error { return tx.InsertDispute(ctx, dispute("acct_1", "dp_3", "ch_1", "pi_1", t0)) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second dispute on a charge: %v", err)
	}
	d := dispute("acct_1", "dp_1", "ch_1", "pi_1", t0)
	d.Status, d.Evidence, d.SubmissionCount = payments.DisputeUnderReview, map[string]string{"receipt": "file_1"}, 1
	write(t, s, func(tx store.Tx) error { return tx.UpdateDispute(ctx, d) })
	read(t, s, func(rd store.Reader) error {
		got, err := rd.Dispute(ctx, "acct_1", "dp_1")
		if err != nil || !reflect.DeepEqual(got, d) {
			t.Fatalf("round trip:\n got %+v\nwant %+v\n%v", got, d, err)
		}
		for q, want := range map[*store.ListQuery]int{{}: 2, {Charge: "ch_2"}: 1, {PaymentIntent: "pi_1"}: 1, {PaymentIntent: "pi_9"}: 0} {
			q.Limit = 10
			items, _, err := rd.ListDisputes(ctx, "acct_1", *q)
			if err != nil || len(items) != want {
				t.Errorf("disputes %+v: %d %v, want %d", *q, len(items), err, want)
			}
		}
		return nil
	})
}

func txn(accountID, id, typ, source, currency string, net int64, created, available time.Time) *ledger.Transaction {
	t := &ledger.Transaction{ID: id, AccountID: accountID, Type: typ, ReportingCategory: typ, Source: source,
		Amount: net, Net: net, Currency: ledgerCurrency(currency), Description: "d", AvailableOn: available, Created: created}
	if typ == "charge" {
		t.Fee, t.Amount = 30, net+30
		t.FeeDetails = []ledger.FeeDetail{{Amount: 30, Currency: t.Currency, Description: "Kassa processing fees", Type: "stripe_fee"}}
		t.ExchangeRate = &ledger.Rate{Date: "2026-11-25", From: "gbp", To: "eur", FromPerEUR: "0.87915", ToPerEUR: "1"}
	}
	return t
}

func testBalanceTransactions(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	day := 24 * time.Hour
	all := []*ledger.Transaction{
		txn("acct_1", "txn_1", "charge", "ch_1", "eur", 1000, t0, t0.Add(2*day)),
		txn("acct_1", "txn_2", "refund", "re_1", "eur", -300, t0.Add(time.Second), t0.Add(time.Second)),
		txn("acct_1", "txn_3", "charge", "ch_2", "usd", 500, t0.Add(2*time.Second), t0.Add(3*day)),
		txn("acct_1", "txn_4", "charge", "ch_3", "eur", 200, t0.Add(3*time.Second), t0.Add(day)),
	}
	write(t, s, func(tx store.Tx) error { return tx.InsertBalanceTransactions(ctx, all) })
	read(t, s, func(rd store.Reader) error {
		got, err := rd.BalanceTransaction(ctx, "acct_1", "txn_1")
		if err != nil || !reflect.DeepEqual(got, all[0]) {
			t.Fatalf("round trip:\n got %+v\nwant %+v\n%v", got, all[0], err)
		}
		for q, want := range map[*store.ListQuery]string{
			{}:                          "[txn_4 txn_3 txn_2 txn_1]",
			{Types: []string{"charge"}}: "[txn_4 txn_3 txn_1]",
			{Source: "re_1"}:            "[txn_2]",
			{Currency: "usd"}:           "[txn_3]",
			{Types: []string{"refund"}, Currency: "usd"}:            "[]",
			{Created: store.TimeRange{LT: t0.Add(2 * time.Second)}}: "[txn_2 txn_1]",
		} {
			q.Limit = 10
			items, _, err := rd.ListBalanceTransactions(ctx, "acct_1", *q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, it := range items {
				ids = append(ids, it.ID)
			}
			if fmt.Sprint(ids) != want && !(want == "[]" && len(ids) == 0) {
				t.Errorf("transactions %+v: %v, want %s", *q, ids, want)
			}
		}
		for _, tc := range []struct {
			at   time.Duration
			want []ledger.Balance
		}{
			{0, []ledger.Balance{{Currency: "eur", Available: 0, Pending: 900}, {Currency: "usd", Pending: 500}}},
			{time.Second, []ledger.Balance{{Currency: "eur", Available: -300, Pending: 1200}, {Currency: "usd", Pending: 500}}},
			{day, []ledger.Balance{{Currency: "eur", Available: -100, Pending: 1000}, {Currency: "usd", Pending: 500}}},
			{3 * day, []ledger.Balance{{Currency: "eur", Available: 900}, {Currency: "usd", Available: 500}}},
		} {
			got, err := rd.Balance(ctx, "acct_1", t0.Add(tc.at))
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("balance at +%v: %+v %v, want %+v", tc.at, got, err, tc.want)
			}
		}
		return nil
	})
}

func testMoneyScoping(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	account(t, s, "acct_2")
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertRefund(ctx, refund("acct_1", "re_1", "ch_1", "pi_1", 100, t0)); err != nil {
			return err
		}
		if err := tx.InsertDispute(ctx, dispute("acct_1", "dp_1", "ch_1", "pi_1", t0)); err != nil {
			return err
		}
		return tx.InsertBalanceTransactions(ctx, []*ledger.Transaction{txn("acct_1", "txn_1", "charge", "ch_1", "eur", 100, t0, t0)})
	})
	read(t, s, func(rd store.Reader) error {
		if _, err := rd.Refund(ctx, "acct_2", "re_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refund: %v", err)
		}
		if _, err := rd.Dispute(ctx, "acct_2", "dp_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("dispute: %v", err)
		}
		if _, err := rd.BalanceTransaction(ctx, "acct_2", "txn_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("balance transaction: %v", err)
		}
		if b, err := rd.Balance(ctx, "acct_2", t0); err != nil || len(b) != 0 {
			t.Errorf("another account's balance: %v %v", b, err)
		}
		if items, _, err := rd.ListBalanceTransactions(ctx, "acct_2", store.ListQuery{Limit: 10}); err != nil || len(items) != 0 {
			t.Errorf("another account's transactions: %v %v", items, err)
		}
		if _, _, err := rd.ListRefunds(ctx, "acct_2", store.ListQuery{Limit: 10, StartingAfter: "re_1"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("foreign refund cursor: %v", err)
		}
		return nil
	})
	notFound(t, s, "another account's refund update", func(tx store.Tx) error {
		return tx.UpdateRefund(ctx, refund("acct_2", "re_1", "ch_1", "pi_1", 100, t0))
	})
	notFound(t, s, "another account's dispute update", func(tx store.Tx) error {
		return tx.UpdateDispute(ctx, dispute("acct_2", "dp_1", "ch_9", "pi_1", t0))
	})
}

func testMoneyEvents(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	r := refund("acct_1", "re_1", "ch_1", "pi_1", 100, t0)
	d := dispute("acct_1", "dp_1", "ch_1", "pi_1", t0)
	write(t, s, func(tx store.Tx) error {
		return tx.InsertEvents(ctx, []*store.Event{
			{ID: "evt_1", AccountID: "acct_1", Type: payments.EventRefundCreated, APIVersion: "v", Created: t0, Object: r},
			{ID: "evt_2", AccountID: "acct_1", Type: payments.EventDisputeCreated, APIVersion: "v", Created: t0, Object: d},
		})
	})
	read(t, s, func(rd store.Reader) error {
		e1, err := rd.Event(ctx, "acct_1", "evt_1")
		if err != nil || !reflect.DeepEqual(e1.Object, r) {
			t.Fatalf("refund snapshot %+v %v", e1, err)
		}
		e2, err := rd.Event(ctx, "acct_1", "evt_2")
		if err != nil || !reflect.DeepEqual(e2.Object, d) {
			t.Fatalf("dispute snapshot %+v %v", e2, err)
		}
		return nil
	})
}

func ledgerCurrency(c string) money.Currency { return money.Currency(c) }

// testConcurrentRefunds: refunds of one charge racing each other through
// the domain's load-check-save never refund more than was captured, and
// every refund, charge update and ledger entry of a winner is kept.
func testConcurrentRefunds(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	pi := intent("acct_1", "pi_1", t0)
	pi.Status, pi.AmountReceived, pi.LatestChargeID = payments.Succeeded, 1000, "ch_1"
	ch := &payments.Charge{ID: "ch_1", AccountID: "acct_1", PaymentIntentID: "pi_1", Method: methods.Sofort, Amount: 1000,
		AmountCaptured: 1000, Currency: "eur", Status: payments.ChargeSucceeded, Captured: true, Created: t0,
		Settlement: &ledger.Settlement{Currency: "eur", Gross: 1000}}
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertIntent(ctx, pi); err != nil {
			return err
		}
		return tx.InsertCharge(ctx, ch)
	})
	sofort, _ := methods.Lookup(methods.Sofort)
	l := ledger.Default()
	var mu sync.Mutex
	var wg sync.WaitGroup
	won, refused := 0, 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Write(ctx, func(tx store.Tx) error {
				pi, err := tx.Intent(ctx, "acct_1", "pi_1")
				if err != nil {
					return err
				}
				ch, err := tx.Charge(ctx, "acct_1", "ch_1")
				if err != nil {
					return err
				}
				n := 0
				books := &payments.Books{Ledger: l, NewID: func() string { n++; return fmt.Sprintf("txn_%d_%d", i, n) }}
				amount := int64(30)
				r, _, err := payments.NewRefund(fmt.Sprintf("re_%d", i), pi, ch, sofort, payments.RefundInput{Amount: &amount}, books, t0)
				if err != nil {
					return err
				}
				if err := tx.InsertRefund(ctx, r); err != nil {
					return err
				}
				if err := tx.UpdateCharge(ctx, ch); err != nil {
					return err
				}
				return tx.InsertBalanceTransactions(ctx, books.Written)
			})
			mu.Lock()
			defer mu.Unlock()
			var e *payments.Error
			switch {
			case err == nil:
				won++
			case errors.As(err, &e) && e.Code == payments.CodeAmountTooLarge:
				refused++
			default:
				t.Errorf("refund %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if won != 33 || refused != 7 {
		t.Fatalf("%d refunds of 30 out of 1000 went through, %d were refused", won, refused)
	}
	read(t, s, func(rd store.Reader) error {
		ch, err := rd.Charge(ctx, "acct_1", "ch_1")
		if err != nil || ch.AmountRefunded != 990 || ch.Settlement.Reversed != 990 {
			t.Fatalf("charge after the race: %+v %v", ch, err)
		}
		refunds, _, err := rd.ListRefunds(ctx, "acct_1", store.ListQuery{Limit: 100, Charge: "ch_1"})
		if err != nil || len(refunds) != 33 {
			t.Fatalf("%d refunds stored, %v", len(refunds), err)
		}
		balance, err := rd.Balance(ctx, "acct_1", t0)
		if err != nil || len(balance) != 1 || balance[0].Available != -990 {
			t.Fatalf("balance %+v %v", balance, err)
		}
		return nil
	})
}
