package gateway_test

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/ledger"
	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
)

// The test's own account of one payment: what it received and what its
// refunds and dispute hold, kept without looking at Kassa's state.
type paymentModel struct {
	pi, charge string
	method     methods.Type
	currency   money.Currency
	captured   int64
	refunds    map[string]*refundModel
	dispute    *disputeModel
	gaveBack   bool // a refund failed or was canceled, or a dispute was won
}

type refundModel struct {
	amount int64
	status payments.RefundStatus
}

type disputeModel struct {
	id     string
	amount int64
	status payments.DisputeStatus
}

// held is what refunds that have not failed and a dispute not won hold.
func (p *paymentModel) held() (refunds, disputed int64) {
	for _, r := range p.refunds {
		if r.status == payments.RefundPending || r.status == payments.RefundSucceeded {
			refunds += r.amount
		}
	}
	if p.dispute != nil && p.dispute.status != payments.DisputeWon {
		disputed = p.dispute.amount
	}
	return refunds, disputed
}

// TestLedgerInvariantsOverRandomHistories runs random sequences of
// payments in every method and currency, refunds (some too large), failed,
// succeeded and canceled refunds, disputes opened, answered, won and lost,
// and time passing, against a model of what each payment holds. After
// every step: Kassa accepts exactly the refunds and disputes the rules
// allow; no payment's refunds and disputes exceed what it received; each
// charge's booking matches an independent conversion and fee; and the
// balance equals the sum of the balance transactions.
func TestLedgerInvariantsOverRandomHistories(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t) // SQLite, or PostgreSQL with KASSA_TEST_DB=postgres
	clk := clock.NewManual(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	books := ledger.Default()
	gw := &gateway.Gateway{Store: st, Acquirer: &sandbox.Acquirer{PublicURL: "http://kassa.test"}, Clock: clk, Ledger: books}
	write := func(fn func(tx store.Tx) error) error { return st.Write(ctx, fn) }

	rapid.Check(t, func(rt *rapid.T) {
		keys, err := gw.CreateAccount(ctx, "Ledger Shop")
		if err != nil {
			rt.Fatal(err)
		}
		c := &gateway.Caller{AccountID: keys.ID}
		var pays []*paymentModel
		disputes := 0

		pick := func(label string, ok func(*paymentModel) bool) *paymentModel {
			var candidates []*paymentModel
			for _, p := range pays {
				if ok(p) {
					candidates = append(candidates, p)
				}
			}
			if len(candidates) == 0 {
				return nil
			}
			return rapid.SampledFrom(candidates).Draw(rt, label)
		}
		// expectRefused checks a refused command's error code.
		expectRefused := func(what string, err error, codes ...string) {
			var e *payments.Error
			if !errors.As(err, &e) || !slices.Contains(codes, e.Code) {
				rt.Fatalf("%s: want one of %v, got %v", what, codes, err)
			}
		}

		steps := map[string]func(){
			"pay": func() {
				kind := rapid.SampledFrom([]struct {
					m methods.Type
					c money.Currency
				}{{methods.Sofort, "eur"}, {methods.Sofort, "gbp"}, {methods.Sofort, "chf"}, {methods.BankTransferID, "idr"}, {methods.Vipps, "nok"}}).Draw(rt, "method")
				maxAmount := int64(99_999_999)
				if kind.c == "idr" {
					maxAmount = 10_000_000_000
				}
				amount := rapid.Int64Range(1, maxAmount).Draw(rt, "amount")
				var pi *payments.PaymentIntent
				err := write(func(tx store.Tx) error {
					var err error
					pi, err = gw.CreateIntent(ctx, tx, c, gateway.CreateIntentInput{
						IntentInput: payments.IntentInput{Amount: amount, Currency: kind.c},
						Method: gateway.MethodChoice{Data: &gateway.PaymentMethodInput{Type: kind.m,
							BillingDetails: payments.BillingDetails{Address: payments.Address{Country: map[methods.Type]string{
								methods.Sofort: "DE", methods.BankTransferID: "ID", methods.Vipps: "NO"}[kind.m]}}}},
						Confirm: true, ReturnURL: "https://shop.example/r",
					})
					if err != nil {
						return err
					}
					pi, err = gw.FinishIntent(ctx, tx, c, pi.ID, gateway.OutcomeAuthorize)
					return err
				})
				if err != nil {
					rt.Fatalf("paying %d %s: %v", amount, kind.c, err)
				}
				pays = append(pays, &paymentModel{pi: pi.ID, charge: pi.LatestChargeID, method: kind.m, currency: kind.c,
					captured: amount, refunds: map[string]*refundModel{}})
			},
			"refund": func() {
				p := pick("payment", func(*paymentModel) bool { return true })
				if p == nil {
					return
				}
				var amount *int64
				if rapid.Bool().Draw(rt, "some") {
					a := rapid.Int64Range(1, p.captured+5).Draw(rt, "refund amount")
					amount = &a
				}
				refunds, disputed := p.held()
				remaining := p.captured - refunds - disputed
				var r *payments.Refund
				err := write(func(tx store.Tx) error {
					var err error
					r, err = gw.CreateRefund(ctx, tx, c, gateway.CreateRefundInput{PaymentIntent: p.pi, RefundInput: payments.RefundInput{Amount: amount}})
					return err
				})
				switch {
				case remaining <= 0 && disputed > 0:
					expectRefused("refund of a payment its dispute exhausts", err, payments.CodeChargeDisputed)
				case remaining <= 0:
					expectRefused("refund of a refunded payment", err, payments.CodeChargeAlreadyRefunded)
				case amount != nil && *amount > remaining:
					expectRefused("refund beyond what remains", err, payments.CodeAmountTooLarge)
				case err != nil:
					rt.Fatalf("a refund within the rules was refused: %v", err)
				default:
					want := remaining
					if amount != nil {
						want = *amount
					}
					if r.Amount != want {
						rt.Fatalf("refunded %d, want %d", r.Amount, want)
					}
					p.refunds[r.ID] = &refundModel{amount: r.Amount, status: payments.RefundPending}
				}
			},
			"decide refund": func() {
				p := pick("payment with refunds", func(p *paymentModel) bool { return len(p.refunds) > 0 })
				if p == nil {
					return
				}
				ids := make([]string, 0, len(p.refunds))
				for id := range p.refunds {
					ids = append(ids, id)
				}
				slices.Sort(ids)
				id := rapid.SampledFrom(ids).Draw(rt, "refund")
				action := rapid.SampledFrom([]string{"succeed", "fail", "cancel"}).Draw(rt, "decision")
				err := write(func(tx store.Tx) error {
					var err error
					switch action {
					case "succeed":
						_, err = gw.FinishRefund(ctx, tx, c, id, gateway.RefundSucceed)
					case "fail":
						_, err = gw.FinishRefund(ctx, tx, c, id, gateway.RefundFail)
					default:
						_, err = gw.CancelRefund(ctx, tx, c, id)
					}
					return err
				})
				r := p.refunds[id]
				if r.status != payments.RefundPending {
					expectRefused(action+" a decided refund", err, payments.CodeRefundUnexpectedState)
					return
				}
				if err != nil {
					rt.Fatalf("%s a pending refund: %v", action, err)
				}
				r.status = map[string]payments.RefundStatus{"succeed": payments.RefundSucceeded, "fail": payments.RefundFailed, "cancel": payments.RefundCanceled}[action]
				p.gaveBack = p.gaveBack || action != "succeed"
			},
			"dispute": func() {
				p := pick("payment", func(*paymentModel) bool { return true })
				if p == nil {
					return
				}
				var amount *int64
				if rapid.Bool().Draw(rt, "some") {
					a := rapid.Int64Range(1, p.captured+5).Draw(rt, "disputed amount")
					amount = &a
				}
				refunds, _ := p.held()
				remaining := p.captured - refunds
				var d *payments.Dispute
				err := write(func(tx store.Tx) error {
					var err error
					d, err = gw.OpenDispute(ctx, tx, c, p.pi, payments.DisputeInput{Amount: amount})
					return err
				})
				switch {
				case p.method != methods.BankTransferID:
					expectRefused("dispute without chargebacks", err, payments.CodeChargeNotDisputable)
				case p.dispute != nil:
					expectRefused("second dispute", err, payments.CodeChargeDisputed)
				case remaining <= 0:
					expectRefused("dispute of a refunded payment", err, payments.CodeChargeAlreadyRefunded)
				case amount != nil && *amount > remaining:
					expectRefused("dispute beyond what remains", err, payments.CodeAmountTooLarge)
				case err != nil:
					rt.Fatalf("a dispute within the rules was refused: %v", err)
				default:
					p.dispute = &disputeModel{id: d.ID, amount: d.Amount, status: payments.DisputeNeedsResponse}
					disputes++
				}
			},
			"answer dispute": func() {
				p := pick("disputed payment", func(p *paymentModel) bool { return p.dispute != nil })
				if p == nil {
					return
				}
				action := rapid.SampledFrom([]string{"submit", "close", "win", "lose"}).Draw(rt, "answer")
				err := write(func(tx store.Tx) error {
					var err error
					switch action {
					case "submit":
						_, err = gw.UpdateDispute(ctx, tx, c, p.dispute.id, payments.DisputeUpdate{Evidence: map[string]string{"uncategorized_text": "delivered"}})
					case "close":
						_, err = gw.CloseDispute(ctx, tx, c, p.dispute.id)
					default:
						_, err = gw.DecideDispute(ctx, tx, c, p.dispute.id, action == "win")
					}
					return err
				})
				from := p.dispute.status
				allowed := map[string][]payments.DisputeStatus{
					"submit": {payments.DisputeNeedsResponse}, "close": {payments.DisputeNeedsResponse},
					"win":  {payments.DisputeNeedsResponse, payments.DisputeUnderReview},
					"lose": {payments.DisputeNeedsResponse, payments.DisputeUnderReview},
				}[action]
				if !slices.Contains(allowed, from) {
					expectRefused(action+" a "+string(from)+" dispute", err, payments.CodeDisputeUnexpectedState)
					return
				}
				if err != nil {
					rt.Fatalf("%s a %s dispute: %v", action, from, err)
				}
				p.dispute.status = map[string]payments.DisputeStatus{"submit": payments.DisputeUnderReview, "close": payments.DisputeLost,
					"win": payments.DisputeWon, "lose": payments.DisputeLost}[action]
				p.gaveBack = p.gaveBack || action == "win"
			},
			"time passes": func() {
				clk.Advance(time.Duration(rapid.IntRange(0, 80).Draw(rt, "hours")) * time.Hour)
			},
		}
		names := []string{"pay", "refund", "decide refund", "dispute", "answer dispute", "time passes"}
		steps["pay"]()
		for range rapid.IntRange(1, 25).Draw(rt, "steps") {
			steps[rapid.SampledFrom(names).Draw(rt, "step")]()
			checkLedger(rt, ctx, st, books, keys.ID, clk.Now(), pays, disputes)
		}
	})
}

// convert is the test's own conversion: the exact quotient of the two
// reference quotes, rounded half to even once.
func convert(rt *rapid.T, l *ledger.Ledger, on time.Time, amount int64, from, to money.Currency) (int64, *big.Rat) {
	if from == to {
		return amount, nil
	}
	rate, err := l.Rates.Rate(on, from, to)
	if err != nil {
		rt.Fatal(err)
	}
	v := new(big.Rat).Quo(rate.ToPerEUR.Rat(), rate.FromPerEUR.Rat())
	n, err := ledger.Round(new(big.Rat).Mul(big.NewRat(amount, 1), v)) // every currency here has two minor digits
	if err != nil {
		rt.Fatal(err)
	}
	return n, v
}

func checkLedger(rt *rapid.T, ctx context.Context, st store.Store, l *ledger.Ledger, accountID string, now time.Time, pays []*paymentModel, disputes int) {
	err := st.Read(ctx, func(r store.Reader) error {
		var all []*ledger.Transaction
		q := store.ListQuery{Limit: 100}
		for {
			page, more, err := r.ListBalanceTransactions(ctx, accountID, q)
			if err != nil {
				return err
			}
			all = append(all, page...)
			if !more {
				break
			}
			q.StartingAfter = page[len(page)-1].ID
		}
		sum, available := map[money.Currency]int64{}, map[money.Currency]int64{}
		bySource := map[string]int64{}
		charges, disputeFees := map[money.Currency]int64{}, int64(0)
		for _, t := range all {
			sum[t.Currency] += t.Net
			if !now.Before(t.AvailableOn) {
				available[t.Currency] += t.Net
			}
			bySource[t.Source] += t.Amount
			if t.Type == "charge" {
				charges[t.Currency] += t.Net
			}
			if t.ReportingCategory == "dispute" {
				disputeFees += t.Fee
			}
		}
		// The balance is the sum of the balance transactions.
		balances, err := r.Balance(ctx, accountID, now)
		if err != nil {
			return err
		}
		seen := 0
		for _, b := range balances {
			if b.Available+b.Pending != sum[b.Currency] || b.Available != available[b.Currency] {
				rt.Fatalf("%s balance %+v, transactions sum to %d (%d available)", b.Currency, b, sum[b.Currency], available[b.Currency])
			}
			seen++
		}
		if seen != len(sum) {
			rt.Fatalf("balance has %d currencies, the transactions %d", seen, len(sum))
		}
		wantCharges := map[money.Currency]int64{}
		for _, p := range pays {
			ch, err := r.Charge(ctx, accountID, p.charge)
			if err != nil {
				return err
			}
			refunds, disputed := p.held()
			// No payment has refunds plus open or lost disputes beyond what it received.
			if refunds+disputed > p.captured || ch.AmountCaptured != p.captured {
				rt.Fatalf("payment %s: refunds %d + disputed %d of %d", p.pi, refunds, disputed, p.captured)
			}
			if ch.AmountRefunded != refunds || ch.AmountDisputed != disputed || ch.Disputed() != (p.dispute != nil) {
				rt.Fatalf("charge %s: amount_refunded %d (model %d), disputed %d (model %d)", ch.ID, ch.AmountRefunded, refunds, ch.AmountDisputed, disputed)
			}
			// The charge's booking: an independent conversion, less the fee on it.
			m, _ := methods.Lookup(p.method)
			gross, _ := convert(rt, l, ch.Created, p.captured, p.currency, m.Settlement)
			fee, _ := l.Pricing.Terms(accountID, p.method).Fee(gross)
			if bySource[ch.ID] != gross || ch.Settlement.Gross != gross {
				rt.Fatalf("charge %s booked %d, want %d", ch.ID, bySource[ch.ID], gross)
			}
			wantCharges[m.Settlement] += gross - fee
			// What refunds and the dispute took back is what the charge
			// records, never more than it brought in, and — until
			// something was given back — exactly what they hold, converted.
			var taken int64
			for id := range p.refunds {
				taken -= bySource[id]
			}
			if p.dispute != nil {
				taken -= bySource[p.dispute.id]
			}
			s := ch.Settlement
			if taken != s.Reversed || s.Reversed < 0 || s.Reversed > s.Gross {
				rt.Fatalf("charge %s: reversals %d, settlement %+v", ch.ID, taken, s)
			}
			if want, _ := convert(rt, l, ch.Created, refunds+disputed, p.currency, m.Settlement); !p.gaveBack && s.Reversed != want {
				rt.Fatalf("charge %s: reversed %d, holds %d convert to %d", ch.ID, s.Reversed, refunds+disputed, want)
			}
		}
		for c, want := range wantCharges {
			if charges[c] != want {
				rt.Fatalf("%s charges net %d, want %d", c, charges[c], want)
			}
		}
		if want := int64(disputes) * l.Pricing.Terms(accountID, methods.BankTransferID).DisputeFee; disputeFees != want {
			rt.Fatalf("dispute fees %d, want %d", disputeFees, want)
		}
		return nil
	})
	if err != nil {
		rt.Fatal(err)
	}
}
