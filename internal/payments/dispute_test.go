package payments

import (
	"kassa/internal/methods"
	"reflect"
	"testing"
	"time"
)

func chargebacks() (m methods.Method) {
	m = vipps()
	m.Chargebacks = true
	return m
}

// disputeIn opens a dispute on a 1099 charge, with staged evidence, and
// brings it to status the way the domain gets there.
func disputeIn(t *testing.T, status DisputeStatus) (*Dispute, *Charge, *Books) {
	t.Helper()
	books := testBooks()
	ch := capturedCharge(1099)
	d, _, err := OpenDispute("dp_1", succeededIntent(), ch, chargebacks(), DisputeInput{}, books, t0)
	if err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := UpdateDispute(d, DisputeUpdate{Evidence: map[string]string{"product_description": "A lamp"}, Submit: &no}, t0); err != nil {
		t.Fatal(err)
	}
	switch status {
	case DisputeUnderReview:
		_, err = UpdateDispute(d, DisputeUpdate{Submit: ptr(true)}, t0)
	case DisputeWon:
		_, err = DecideDispute(d, ch, true, books, t0)
	case DisputeLost:
		_, err = DecideDispute(d, ch, false, books, t0)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d, ch, books
}

func ptr[T any](v T) *T { return &v }

func applyDispute(d *Dispute, ch *Charge, books *Books, action DisputeAction) error {
	var err error
	switch action {
	case DisputeStage:
		_, err = UpdateDispute(d, DisputeUpdate{Evidence: map[string]string{"receipt": "file_1"}, Submit: ptr(false)}, t0)
	case DisputeSubmit:
		_, err = UpdateDispute(d, DisputeUpdate{Submit: ptr(true)}, t0)
	case DisputeClose:
		_, err = CloseDispute(d)
	case DisputeWin:
		_, err = DecideDispute(d, ch, true, books, t0)
	case DisputeLose:
		_, err = DecideDispute(d, ch, false, books, t0)
	case DisputeAmend:
		_, err = UpdateDispute(d, DisputeUpdate{Metadata: map[string]string{"case": "42"}}, t0)
	default:
		panic("unknown action " + action)
	}
	return err
}

// TestDisputeStateMachine covers every (status, action) pair; the expected
// table is written out here, independent of the implementation's.
func TestDisputeStateMachine(t *testing.T) {
	const x = DisputeStatus("")
	nr, ur, won, lost := DisputeNeedsResponse, DisputeUnderReview, DisputeWon, DisputeLost
	want := map[DisputeStatus]map[DisputeAction]DisputeStatus{
		nr:   {DisputeStage: nr, DisputeSubmit: ur, DisputeClose: lost, DisputeWin: won, DisputeLose: lost, DisputeAmend: nr},
		ur:   {DisputeStage: x, DisputeSubmit: x, DisputeClose: x, DisputeWin: won, DisputeLose: lost, DisputeAmend: ur},
		won:  {DisputeStage: x, DisputeSubmit: x, DisputeClose: x, DisputeWin: x, DisputeLose: x, DisputeAmend: won},
		lost: {DisputeStage: x, DisputeSubmit: x, DisputeClose: x, DisputeWin: x, DisputeLose: x, DisputeAmend: lost},
	}
	for _, status := range DisputeStatuses {
		for _, action := range DisputeActions {
			next, ok := want[status][action]
			if !ok {
				t.Fatalf("table misses (%s, %s)", status, action)
			}
			t.Run(string(status)+"/"+string(action), func(t *testing.T) {
				d, ch, books := disputeIn(t, status)
				before, chBefore, written := d.Clone(), ch.Clone(), len(books.Written)
				err := applyDispute(d, ch, books, action)
				if next == x {
					if e := asError(t, err); e.Code != CodeDisputeUnexpectedState {
						t.Fatalf("want dispute_unexpected_state, got %v", err)
					}
					if !reflect.DeepEqual(d, before) || !reflect.DeepEqual(ch, chBefore) || len(books.Written) != written {
						t.Errorf("an illegal action changed something")
					}
					return
				}
				if err != nil {
					t.Fatalf("legal action failed: %v", err)
				}
				if d.Status != next {
					t.Fatalf("status %s, want %s", d.Status, next)
				}
			})
		}
	}
}

func TestDisputeWithdrawsAndWinningReinstates(t *testing.T) {
	books := testBooks()
	ch := capturedCharge(1099)
	amount := int64(1000)
	d, events, err := OpenDispute("dp_1", succeededIntent(), ch, chargebacks(), DisputeInput{Amount: &amount, Reason: "fraudulent"}, books, t0)
	if err != nil {
		t.Fatal(err)
	}
	eventsOf(t, events, EventDisputeCreated, EventDisputeFundsWithdrawn)
	if d.Status != DisputeNeedsResponse || d.Amount != 1000 || d.Reason != "fraudulent" || !d.DueBy.Equal(t0.Add(7*24*time.Hour)) ||
		!ch.Disputed() || ch.AmountDisputed != 1000 || ch.Refundable() != 99 || len(d.BalanceTransactions) != 1 || d.BalanceTransactions[0] != books.Written[0] {
		t.Fatalf("dispute %+v charge %+v", d, ch)
	}
	withdrawal := books.Written[0]
	if withdrawal.Amount != -1000 || withdrawal.ReportingCategory != "dispute" || d.Withdrawn != 1000 {
		t.Fatalf("withdrawal %+v", withdrawal)
	}
	// What the dispute holds cannot be refunded; the rest can.
	_, _, err = NewRefund("re_1", succeededIntent(), ch, vipps(), RefundInput{Amount: ptr(int64(100))}, books, t0)
	if e := asError(t, err); e.Code != CodeAmountTooLarge {
		t.Fatalf("refund into the disputed amount: %v", err)
	}
	if _, _, err := NewRefund("re_1", succeededIntent(), ch, vipps(), RefundInput{}, books, t0); err != nil {
		t.Fatal(err)
	}
	_, _, err = NewRefund("re_2", succeededIntent(), ch, vipps(), RefundInput{}, books, t0)
	if e := asError(t, err); e.Code != CodeChargeDisputed {
		t.Fatalf("refund of a charge its dispute and refunds exhaust: %v", err)
	}
	// A second dispute on the same charge is refused.
	_, _, err = OpenDispute("dp_2", succeededIntent(), ch, chargebacks(), DisputeInput{}, books, t0)
	if e := asError(t, err); e.Code != CodeChargeDisputed {
		t.Fatalf("second dispute: %v", err)
	}
	events, err = DecideDispute(d, ch, true, books, t0)
	if err != nil {
		t.Fatal(err)
	}
	eventsOf(t, events, EventDisputeClosed, EventDisputeFundsReinstated)
	back := books.Written[len(books.Written)-1]
	if d.Status != DisputeWon || ch.AmountDisputed != 0 || ch.Refundable() != 1000 || back.Amount != 1000 ||
		back.ReportingCategory != "dispute_reversal" || len(d.BalanceTransactions) != 2 || d.BalanceTransactions[1].ID != back.ID {
		t.Fatalf("after winning: dispute %+v charge %+v txn %+v", d, ch, back)
	}
	if !ch.Disputed() {
		t.Fatal("a charge stays disputed after the dispute closes")
	}
}

func TestLostDisputeKeepsItsHold(t *testing.T) {
	d, ch, books := disputeIn(t, DisputeNeedsResponse)
	events, err := CloseDispute(d)
	if err != nil {
		t.Fatal(err)
	}
	eventsOf(t, events, EventDisputeClosed)
	if d.Status != DisputeLost || ch.AmountDisputed != 1099 {
		t.Fatalf("dispute %+v charge %+v", d, ch)
	}
	_, _, err = NewRefund("re_1", succeededIntent(), ch, vipps(), RefundInput{}, books, t0)
	if e := asError(t, err); e.Code != CodeChargeDisputed {
		t.Fatalf("refund after a lost dispute: %v", err)
	}
}

func TestDisputeRules(t *testing.T) {
	amt := func(n int64) *int64 { return &n }
	refunded := func(n int64) *Charge {
		ch := capturedCharge(1099)
		if n > 0 {
			if _, _, err := NewRefund("re_1", succeededIntent(), ch, vipps(), RefundInput{Amount: &n}, testBooks(), t0); err != nil {
				t.Fatal(err)
			}
		}
		return ch
	}
	for _, tc := range []struct {
		name  string
		m     methods.Method
		ch    *Charge
		in    DisputeInput
		code  string
		param string
	}{
		{"method without chargebacks", vipps(), refunded(0), DisputeInput{}, CodeChargeNotDisputable, ""},
		{"fully refunded", chargebacks(), refunded(1099), DisputeInput{}, CodeChargeAlreadyRefunded, ""},
		{"more than not refunded", chargebacks(), refunded(99), DisputeInput{Amount: amt(1001)}, CodeAmountTooLarge, "amount"},
		{"zero", chargebacks(), refunded(0), DisputeInput{Amount: amt(0)}, CodeAmountTooSmall, "amount"},
		{"unknown reason", chargebacks(), refunded(0), DisputeInput{Reason: "bored"}, CodeParameterInvalid, "reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.ch.Clone()
			_, _, err := OpenDispute("dp_1", succeededIntent(), tc.ch, tc.m, tc.in, testBooks(), t0)
			if e := asError(t, err); e.Code != tc.code || e.Param != tc.param {
				t.Fatalf("%s %q (%s), want %s %q", e.Code, e.Param, e.Message, tc.code, tc.param)
			}
			if !reflect.DeepEqual(tc.ch, before) {
				t.Fatal("a refused dispute changed the charge")
			}
		})
	}
	// The default amount is what refunds left.
	d, _, err := OpenDispute("dp_1", succeededIntent(), refunded(99), chargebacks(), DisputeInput{}, testBooks(), t0)
	if err != nil || d.Amount != 1000 || d.Reason != "general" {
		t.Fatalf("%+v %v", d, err)
	}
}

func TestDisputeEvidence(t *testing.T) {
	books := testBooks()
	d, _, err := OpenDispute("dp_1", succeededIntent(), capturedCharge(1099), chargebacks(), DisputeInput{}, books, t0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = UpdateDispute(d, DisputeUpdate{Submit: ptr(true)}, t0)
	if e := asError(t, err); e.Code != CodeParameterMissing || e.Param != "evidence" || d.Status != DisputeNeedsResponse {
		t.Fatalf("submitting nothing: %v", err)
	}
	_, err = UpdateDispute(d, DisputeUpdate{Evidence: map[string]string{"favourite_colour": "blue"}}, t0)
	if e := asError(t, err); e.Code != CodeParameterUnknown || e.Param != "evidence[favourite_colour]" || d.Evidence != nil {
		t.Fatalf("unknown evidence: %v %+v", err, d.Evidence)
	}
	// Staged, then changed: an empty value removes a field.
	_, err = UpdateDispute(d, DisputeUpdate{Evidence: map[string]string{"customer_name": "Ada", "receipt": "file_1"}, Submit: ptr(false)}, t0)
	if err != nil || d.Status != DisputeNeedsResponse || d.SubmissionCount != 0 {
		t.Fatalf("staged: %v %+v", err, d)
	}
	late := d.DueBy.Add(time.Minute)
	events, err := UpdateDispute(d, DisputeUpdate{Evidence: map[string]string{"receipt": ""}}, late)
	if err != nil {
		t.Fatal(err)
	}
	eventsOf(t, events, EventDisputeUpdated)
	// Evidence without submit=false is submitted (Stripe's default).
	if d.Status != DisputeUnderReview || d.SubmissionCount != 1 || !d.PastDue || !reflect.DeepEqual(d.Evidence, map[string]string{"customer_name": "Ada"}) {
		t.Fatalf("submitted: %+v", d)
	}
	if _, err := UpdateDispute(d, DisputeUpdate{Metadata: map[string]string{"case": "7"}}, late); err != nil || d.Metadata["case"] != "7" {
		t.Fatalf("metadata under review: %v", err)
	}
}
