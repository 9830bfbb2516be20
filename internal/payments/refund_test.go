package payments

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"kassa/internal/methods"
)

func succeededIntent() *PaymentIntent {
	pi := intentIn(Succeeded, CaptureAutomatic)
	pi.AmountReceived = 1099
	return pi
}

// refundIn builds a refund of 400 of a 1099 charge, brought to status the
// way the domain gets there.
func refundIn(t *testing.T, status RefundStatus) (*Refund, *Charge, *Books) {
	t.Helper()
	books := testBooks()
	ch := capturedCharge(1099)
	amount := int64(400)
	r, _, err := NewRefund("re_1", succeededIntent(), ch, vipps(), RefundInput{Amount: &amount}, books, t0)
	if err != nil {
		t.Fatal(err)
	}
	switch status {
	case RefundSucceeded:
		_, err = SucceedRefund(r)
	case RefundFailed:
		_, err = FailRefund(r, ch, "", books, t0)
	case RefundCanceled:
		_, err = CancelRefund(r, ch, books, t0)
	}
	if err != nil {
		t.Fatal(err)
	}
	return r, ch, books
}

func applyRefund(r *Refund, ch *Charge, books *Books, action RefundAction) error {
	var err error
	switch action {
	case RefundSucceed:
		_, err = SucceedRefund(r)
	case RefundFail:
		_, err = FailRefund(r, ch, "", books, t0)
	case RefundCancel:
		_, err = CancelRefund(r, ch, books, t0)
	case RefundUpdate:
		_, err = UpdateRefund(r, map[string]string{"ticket": "7"}, false)
	default:
		panic("unknown action " + action)
	}
	return err
}

// TestRefundStateMachine covers every (status, action) pair; the expected
// table is written out here, independent of the implementation's.
func TestRefundStateMachine(t *testing.T) {
	const x = RefundStatus("")
	want := map[RefundStatus]map[RefundAction]RefundStatus{
		RefundPending:   {RefundSucceed: RefundSucceeded, RefundFail: RefundFailed, RefundCancel: RefundCanceled, RefundUpdate: RefundPending},
		RefundSucceeded: {RefundSucceed: x, RefundFail: x, RefundCancel: x, RefundUpdate: RefundSucceeded},
		RefundFailed:    {RefundSucceed: x, RefundFail: x, RefundCancel: x, RefundUpdate: RefundFailed},
		RefundCanceled:  {RefundSucceed: x, RefundFail: x, RefundCancel: x, RefundUpdate: RefundCanceled},
	}
	for _, status := range RefundStatuses {
		for _, action := range RefundActions {
			next, ok := want[status][action]
			if !ok {
				t.Fatalf("table misses (%s, %s)", status, action)
			}
			t.Run(string(status)+"/"+string(action), func(t *testing.T) {
				r, ch, books := refundIn(t, status)
				before, chBefore, written := r.Clone(), ch.Clone(), len(books.Written)
				err := applyRefund(r, ch, books, action)
				if next == x {
					var e *Error
					if !errors.As(err, &e) || e.Code != CodeRefundUnexpectedState {
						t.Fatalf("want refund_unexpected_state, got %v", err)
					}
					if !reflect.DeepEqual(r, before) || !reflect.DeepEqual(ch, chBefore) || len(books.Written) != written {
						t.Errorf("an illegal action changed something")
					}
					return
				}
				if err != nil {
					t.Fatalf("legal action failed: %v", err)
				}
				if r.Status != next {
					t.Fatalf("status %s, want %s", r.Status, next)
				}
			})
		}
	}
}

func eventsOf(t *testing.T, events []Event, want ...string) {
	t.Helper()
	if got := eventTypes(events); !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func TestRefundAllByDefault(t *testing.T) {
	books := testBooks()
	ch := capturedCharge(1099)
	r, events, err := NewRefund("re_1", succeededIntent(), ch, vipps(), RefundInput{Reason: "requested_by_customer", Metadata: map[string]string{"k": "v"}}, books, t0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Amount != 1099 || r.Status != RefundPending || r.ChargeID != "ch_1" || r.PaymentIntentID != "pi_1" || r.Currency != "nok" || r.Metadata["k"] != "v" {
		t.Fatalf("refund %+v", r)
	}
	if ch.AmountRefunded != 1099 || !ch.Refunded() || ch.Refundable() != 0 {
		t.Fatalf("charge %+v", ch)
	}
	eventsOf(t, events, EventRefundCreated, EventChargeRefunded)
	if snap := events[1].Object.(*Charge); snap.AmountRefunded != 1099 {
		t.Fatalf("charge.refunded snapshot %+v", snap)
	}
	// NOK settles in NOK: the whole amount leaves the balance at once.
	if len(books.Written) != 1 || books.Written[0].Amount != -1099 || books.Written[0].ID != r.BalanceTransactionID || r.SettlementTaken != 1099 ||
		books.Written[0].Type != "refund" || books.Written[0].Source != "re_1" {
		t.Fatalf("booked %+v", books.Written[0])
	}
	_, _, err = NewRefund("re_2", succeededIntent(), ch, vipps(), RefundInput{}, testBooks(), t0)
	if e := asError(t, err); e.Code != CodeChargeAlreadyRefunded {
		t.Fatalf("refunding a refunded charge: %v", err)
	}
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want a *payments.Error, got %v", err)
	}
	return e
}

func TestRefundRulesPerMethodRow(t *testing.T) {
	row := func(refunds, partial, multiple bool) methods.Method {
		m := vipps()
		m.Refunds, m.PartialRefunds, m.MultiplePartial = refunds, partial, multiple
		return m
	}
	amt := func(n int64) *int64 { return &n }
	type step struct {
		amount *int64
		code   string // "" = succeeds
	}
	for _, tc := range []struct {
		name  string
		m     methods.Method
		steps []step
	}{
		{"no refunds", row(false, false, false), []step{{nil, CodeChargeNotRefundable}, {amt(100), CodeChargeNotRefundable}}},
		{"full only", row(true, false, false), []step{{amt(100), CodeParameterInvalid}, {amt(1099), ""}, {nil, CodeChargeAlreadyRefunded}}},
		{"one partial", row(true, true, false), []step{{amt(100), ""}, {amt(100), CodeChargeNotRefundable}, {nil, CodeChargeNotRefundable}}},
		{"multiple partial", row(true, true, true), []step{{amt(100), ""}, {amt(1000), CodeAmountTooLarge}, {amt(999), ""}, {amt(1), CodeChargeAlreadyRefunded}}},
		{"amount below one", row(true, true, true), []step{{amt(0), CodeAmountTooSmall}, {amt(-5), CodeAmountTooSmall}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := capturedCharge(1099)
			refunded := int64(0)
			for i, s := range tc.steps {
				before := ch.Clone()
				r, _, err := NewRefund("re_x", succeededIntent(), ch, tc.m, RefundInput{Amount: s.amount}, testBooks(), t0)
				if s.code == "" {
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					refunded += r.Amount
					continue
				}
				if e := asError(t, err); e.Code != s.code {
					t.Fatalf("step %d: %s (%s), want %s", i, e.Code, e.Message, s.code)
				}
				if !reflect.DeepEqual(ch, before) {
					t.Fatalf("step %d: a refused refund changed the charge", i)
				}
			}
			if ch.AmountRefunded != refunded {
				t.Fatalf("amount_refunded %d, refunds %d", ch.AmountRefunded, refunded)
			}
		})
	}
}

func TestFailedRefundCanBeRefundedAgain(t *testing.T) {
	m := vipps()
	m.MultiplePartial = false // one refund at a time: a failed one does not count
	books := testBooks()
	ch := capturedCharge(1099)
	amount := int64(600)
	r, _, err := NewRefund("re_1", succeededIntent(), ch, m, RefundInput{Amount: &amount}, books, t0)
	if err != nil {
		t.Fatal(err)
	}
	events, err := FailRefund(r, ch, "", books, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	eventsOf(t, events, EventRefundFailed, EventRefundUpdated, EventChargeRefundUpdated)
	if r.Status != RefundFailed || r.FailureReason != "declined" || ch.AmountRefunded != 0 || ch.Refundable() != 1099 {
		t.Fatalf("refund %+v charge %+v", r, ch)
	}
	back := books.Written[len(books.Written)-1]
	if back.ID != r.FailureBalanceTransactionID || back.Amount != r.SettlementTaken || back.Type != "refund_failure" || ch.Settlement.Reversed != 0 {
		t.Fatalf("failure booked %+v, settlement %+v", back, ch.Settlement)
	}
	if _, _, err := NewRefund("re_2", succeededIntent(), ch, m, RefundInput{}, books, t0); err != nil {
		t.Fatalf("refunding again after a failure: %v", err)
	}
}

func TestCancelRefund(t *testing.T) {
	r, ch, _ := refundIn(t, RefundCanceled)
	if r.FailureReason != "merchant_request" || r.FailureBalanceTransactionID == "" || ch.AmountRefunded != 0 {
		t.Fatalf("refund %+v charge %+v", r, ch)
	}
}

func TestRefundOfAPartialCapture(t *testing.T) {
	pi := intentIn(RequiresCapture, CaptureManual)
	ch := &Charge{ID: "ch_1", AccountID: "acct_1", Method: methods.Vipps, Currency: "nok", Amount: 1099, Status: ChargeSucceeded}
	amount := int64(500)
	if _, err := Capture(pi, ch, &amount, testBooks(), t0); err != nil {
		t.Fatal(err)
	}
	_, _, err := NewRefund("re_1", pi, ch, vipps(), RefundInput{Amount: &amount}, testBooks(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if ch.AmountRefunded != 1099 || !ch.Refunded() || ch.Refunds() != 500 || ch.Refundable() != 0 {
		t.Fatalf("charge %+v", ch)
	}
}

func TestRefundReasonAndMetadataAreChecked(t *testing.T) {
	ch := capturedCharge(1099)
	_, _, err := NewRefund("re_1", succeededIntent(), ch, vipps(), RefundInput{Reason: "changed_mind"}, testBooks(), t0)
	if e := asError(t, err); e.Code != CodeParameterInvalid || e.Param != "reason" {
		t.Fatalf("%+v", e)
	}
	_, _, err = NewRefund("re_1", succeededIntent(), ch, vipps(), RefundInput{Metadata: map[string]string{"": "x"}}, testBooks(), t0)
	if e := asError(t, err); e.Param != "metadata" {
		t.Fatalf("%+v", e)
	}
	if ch.AmountRefunded != 0 {
		t.Fatal("a refused refund changed the charge")
	}
}
