package payments

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"kassa/internal/methods"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// intentIn builds an intent as it would be in the given status.
func intentIn(status Status, capture string) *PaymentIntent {
	pi := &PaymentIntent{
		ID: "pi_1", AccountID: "acct_1", Amount: 1099, Currency: "nok", Status: status,
		CaptureMethod: capture, PaymentMethodTypes: []methods.Type{methods.Vipps}, Created: t0,
	}
	switch status {
	case RequiresConfirmation, RequiresAction, Processing:
		pi.PaymentMethodID = "pm_1"
	case RequiresCapture:
		pi.AmountCapturable = 1099
		pi.LatestChargeID = "ch_1"
	case Succeeded:
		pi.AmountReceived = 1099
		pi.LatestChargeID = "ch_1"
	}
	if status == RequiresAction {
		pi.ReturnURL = "https://shop.example/done"
		pi.Pending = &Pending{Attempt: "att_1", Method: methods.Vipps, RedirectURL: "https://kassa.example/sandbox/pay/att_1",
			ReturnURL: pi.ReturnURL, OpenBy: t0.Add(5 * time.Minute)}
	}
	return pi
}

var vippsPM = &PaymentMethod{ID: "pm_2", Type: methods.Vipps}

// apply runs the domain command for an action the way the gateway does.
func apply(pi *PaymentIntent, action Action) error {
	ch := &Charge{ID: "ch_new"}
	switch action {
	case ActionUpdatePayment:
		amount := int64(2000)
		return Update(pi, IntentUpdate{Amount: &amount})
	case ActionConfirm:
		c, err := PrepareConfirm(pi, vippsPM, ConfirmInput{ReturnURL: "https://shop.example/done"})
		if err == nil {
			BeginAction(pi, c, Redirect{Attempt: "att_2", URL: "https://kassa.example/sandbox/pay/att_2"}, t0)
		}
		return err
	case ActionCancel:
		_, err := Cancel(pi, &Charge{ID: "ch_1", Amount: 1099}, "requested_by_customer", t0)
		return err
	case ActionCapture:
		_, err := Capture(pi, &Charge{ID: "ch_1", AccountID: "acct_1", Method: methods.Vipps, Currency: "nok", Amount: 1099}, nil, testBooks(), t0)
		return err
	case ActionOpen:
		return Open(pi, "att_1", t0)
	case ActionAuthorize:
		_, err := Authorize(pi, "att_1", ch, testBooks(), t0)
		return err
	case ActionDecline:
		_, err := Decline(pi, "att_1", ch, "", t0)
		return err
	case ActionExpire:
		_, err := Expire(pi, "att_1", ch, t0)
		return err
	case ActionRefund:
		_, _, err := NewRefund("re_1", pi, capturedCharge(1099), vipps(), RefundInput{}, testBooks(), t0)
		return err
	case ActionDispute:
		m := vipps()
		m.Chargebacks = true // no method of the catalogue with chargebacks takes NOK
		_, _, err := OpenDispute("dp_1", pi, capturedCharge(1099), m, DisputeInput{}, testBooks(), t0)
		return err
	}
	panic("unknown action " + action)
}

// TestStateMachine covers every (status, action) pair, legal or not. The
// expected table is written out here, independent of the implementation's.
func TestStateMachine(t *testing.T) {
	const x = Status("") // illegal: payment_intent_unexpected_state, nothing changes
	want := map[Status]map[Action]Status{
		RequiresPaymentMethod: {ActionUpdatePayment: RequiresPaymentMethod, ActionConfirm: RequiresAction, ActionCancel: Canceled,
			ActionCapture: x, ActionOpen: x, ActionAuthorize: x, ActionDecline: x, ActionExpire: x, ActionRefund: x, ActionDispute: x},
		RequiresConfirmation: {ActionUpdatePayment: RequiresConfirmation, ActionConfirm: RequiresAction, ActionCancel: Canceled,
			ActionCapture: x, ActionOpen: x, ActionAuthorize: x, ActionDecline: x, ActionExpire: x, ActionRefund: x, ActionDispute: x},
		RequiresAction: {ActionUpdatePayment: x, ActionConfirm: x, ActionCancel: Canceled,
			ActionCapture: x, ActionOpen: RequiresAction, ActionAuthorize: Succeeded, ActionDecline: RequiresPaymentMethod, ActionExpire: RequiresPaymentMethod,
			ActionRefund: x, ActionDispute: x},
		Processing: {ActionUpdatePayment: x, ActionConfirm: x, ActionCancel: x,
			ActionCapture: x, ActionOpen: x, ActionAuthorize: x, ActionDecline: x, ActionExpire: x, ActionRefund: x, ActionDispute: x},
		RequiresCapture: {ActionUpdatePayment: x, ActionConfirm: x, ActionCancel: Canceled,
			ActionCapture: Succeeded, ActionOpen: x, ActionAuthorize: x, ActionDecline: x, ActionExpire: x, ActionRefund: x, ActionDispute: x},
		Succeeded: {ActionUpdatePayment: x, ActionConfirm: x, ActionCancel: x,
			ActionCapture: x, ActionOpen: x, ActionAuthorize: x, ActionDecline: x, ActionExpire: x, ActionRefund: Succeeded, ActionDispute: Succeeded},
		Canceled: {ActionUpdatePayment: x, ActionConfirm: x, ActionCancel: x,
			ActionCapture: x, ActionOpen: x, ActionAuthorize: x, ActionDecline: x, ActionExpire: x, ActionRefund: x, ActionDispute: x},
	}
	for _, status := range Statuses {
		for _, action := range Actions {
			next, ok := want[status][action]
			if !ok {
				t.Fatalf("table misses (%s, %s)", status, action)
			}
			t.Run(string(status)+"/"+string(action), func(t *testing.T) {
				pi := intentIn(status, CaptureAutomatic)
				before := pi.Clone()
				err := apply(pi, action)
				if next == x {
					var e *Error
					if !errors.As(err, &e) || e.Code != CodeUnexpectedState {
						t.Fatalf("want payment_intent_unexpected_state, got %v", err)
					}
					if !strings.Contains(e.Message, "status of "+string(status)) {
						t.Errorf("message does not name the current status: %s", e.Message)
					}
					if !reflect.DeepEqual(pi, before) {
						t.Errorf("an illegal action changed the intent:\n%+v\n%+v", before, pi)
					}
					return
				}
				if err != nil {
					t.Fatalf("legal action failed: %v", err)
				}
				if pi.Status != next {
					t.Fatalf("status %s, want %s", pi.Status, next)
				}
			})
		}
	}
}

func TestAuthorizeManualCaptureAwaitsCapture(t *testing.T) {
	pi := intentIn(RequiresAction, CaptureManual)
	ch := &Charge{ID: "ch_9"}
	events, err := Authorize(pi, "att_1", ch, testBooks(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != RequiresCapture || pi.AmountCapturable != 1099 || pi.AmountReceived != 0 || ch.Captured {
		t.Fatalf("intent %+v charge %+v", pi, ch)
	}
	if got := eventTypes(events); !reflect.DeepEqual(got, []string{EventChargeSucceeded, EventIntentCapturableUpdated}) {
		t.Fatalf("events %v", got)
	}
	amount := int64(500)
	books := testBooks()
	events, err = Capture(pi, ch, &amount, books, t0)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != Succeeded || pi.AmountReceived != 500 || pi.AmountCapturable != 0 ||
		!ch.Captured || ch.AmountCaptured != 500 || ch.AmountRefunded != 599 || ch.Refunds() != 0 || ch.Refundable() != 500 {
		t.Fatalf("after partial capture: intent %+v charge %+v", pi, ch)
	}
	// Only the captured 500 øre enter the balance.
	if len(books.Written) != 1 || books.Written[0].Amount != 500 || books.Written[0].ID != ch.BalanceTransactionID || ch.Settlement.Gross != 500 {
		t.Fatalf("booked %+v, charge %+v", books.Written, ch)
	}
	if got := eventTypes(events); !reflect.DeepEqual(got, []string{EventChargeCaptured, EventIntentSucceeded}) {
		t.Fatalf("events %v", got)
	}
}

func TestCaptureRejectsMoreThanCapturable(t *testing.T) {
	pi := intentIn(RequiresCapture, CaptureManual)
	for _, tc := range []struct {
		amount int64
		code   string
	}{{1100, CodeAmountTooLarge}, {0, CodeAmountTooSmall}, {-1, CodeAmountTooSmall}} {
		amount := tc.amount
		_, err := Capture(pi, &Charge{Amount: 1099}, &amount, testBooks(), t0)
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Param != "amount_to_capture" {
			t.Errorf("capture %d: got %v", tc.amount, err)
		}
	}
	if pi.Status != RequiresCapture || pi.AmountCapturable != 1099 {
		t.Fatalf("rejected captures changed the intent: %+v", pi)
	}
}

func TestDeclineAndExpireRecordLastPaymentError(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(*PaymentIntent, *Charge) ([]Event, error)
		code string
	}{
		{"decline", func(pi *PaymentIntent, ch *Charge) ([]Event, error) {
			return Decline(pi, "att_1", ch, "Wrong TAN.", t0)
		}, CodeAuthFailure},
		{"expire", func(pi *PaymentIntent, ch *Charge) ([]Event, error) { return Expire(pi, "att_1", ch, t0) }, CodeAttemptExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pi := intentIn(RequiresAction, CaptureAutomatic)
			ch := &Charge{ID: "ch_7"}
			events, err := tc.run(pi, ch)
			if err != nil {
				t.Fatal(err)
			}
			e := pi.LastPaymentError
			if e == nil || e.Code != tc.code || e.PaymentMethodID != "pm_1" || e.ChargeID != "ch_7" {
				t.Fatalf("last_payment_error %+v", e)
			}
			if pi.PaymentMethodID != "" || pi.Pending != nil || pi.LatestChargeID != "ch_7" {
				t.Fatalf("intent %+v", pi)
			}
			if ch.Status != ChargeFailed || ch.FailureCode != tc.code || ch.Amount != 1099 || ch.PaymentIntentID != "pi_1" {
				t.Fatalf("charge %+v", ch)
			}
			if got := eventTypes(events); !reflect.DeepEqual(got, []string{EventChargeFailed, EventIntentPaymentFailed}) {
				t.Fatalf("events %v", got)
			}
		})
	}
}

func TestStaleAttemptIsRefused(t *testing.T) {
	pi := intentIn(RequiresAction, CaptureAutomatic)
	_, err := Authorize(pi, "att_old", &Charge{ID: "ch_1"}, testBooks(), t0)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeStaleAttempt || pi.Status != RequiresAction {
		t.Fatalf("got %v, status %s", err, pi.Status)
	}
}

func TestVippsWindows(t *testing.T) {
	pi := intentIn(RequiresAction, CaptureAutomatic)
	if got := pi.Pending.Deadline(); !got.Equal(t0.Add(5 * time.Minute)) {
		t.Fatalf("open deadline %v", got)
	}
	if Overdue(pi, t0.Add(5*time.Minute-time.Second)) || !Overdue(pi, t0.Add(5*time.Minute)) {
		t.Fatal("open window boundaries wrong")
	}
	opened := t0.Add(4 * time.Minute)
	if err := Open(pi, "att_1", opened); err != nil {
		t.Fatal(err)
	}
	if got := pi.Pending.Deadline(); !got.Equal(opened.Add(5 * time.Minute)) {
		t.Fatalf("approve deadline %v", got)
	}
	// Opening again does not restart the approval window.
	if err := Open(pi, "att_1", opened.Add(time.Minute)); err != nil || !pi.Pending.Deadline().Equal(opened.Add(5*time.Minute)) {
		t.Fatalf("second open moved the deadline: %v %v", err, pi.Pending.Deadline())
	}
	if Overdue(pi, t0.Add(6*time.Minute)) || !Overdue(pi, opened.Add(5*time.Minute)) {
		t.Fatal("approve window boundaries wrong")
	}
}

func eventTypes(events []Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}

func TestDeadlineIsTheEarliestThatApplies(t *testing.T) {
	va := &VirtualAccount{ExpiresAt: t0.Add(24 * time.Hour)}
	tests := []struct {
		name string
		p    *Pending
		want time.Time
	}{
		{"nothing bounds it", &Pending{}, time.Time{}},
		{"open window", &Pending{OpenBy: t0.Add(5 * time.Minute)}, t0.Add(5 * time.Minute)},
		{"approval window once opened", &Pending{OpenBy: t0.Add(5 * time.Minute), OpenedAt: t0.Add(time.Minute), ApproveBy: t0.Add(6 * time.Minute)}, t0.Add(6 * time.Minute)},
		{"opened without approval window", &Pending{OpenBy: t0.Add(5 * time.Minute), OpenedAt: t0.Add(time.Minute)}, time.Time{}},
		{"virtual account", &Pending{VirtualAccount: va}, va.ExpiresAt},
		{"virtual account opened", &Pending{VirtualAccount: va, OpenedAt: t0}, va.ExpiresAt},
		{"account expiring before the approval window", &Pending{VirtualAccount: va, OpenedAt: t0, ApproveBy: t0.Add(48 * time.Hour)}, va.ExpiresAt},
	}
	for _, tt := range tests {
		if got := tt.p.Deadline(); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if (*Pending)(nil).Deadline() != (time.Time{}) {
		t.Error("nil pending has a deadline")
	}
}

func TestChooseBankAndIdentifyPayerOnce(t *testing.T) {
	pi := intentIn(RequiresAction, CaptureAutomatic)
	pi.Pending.VirtualAccount = &VirtualAccount{ExpiresAt: t0.Add(time.Hour)}
	if err := ChooseBank(pi, "att_1", VirtualAccount{Bank: "bca", Number: "390101"}); err != nil {
		t.Fatal(err)
	}
	if va := pi.Pending.VirtualAccount; va.Bank != "bca" || !va.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("virtual account %+v", va)
	}
	if err := ChooseBank(pi, "att_1", VirtualAccount{Bank: "bni", Number: "988201"}); err == nil || pi.Pending.VirtualAccount.Bank != "bca" {
		t.Fatalf("second bank choice: %v %+v", err, pi.Pending.VirtualAccount)
	}
	if err := IdentifyPayer(pi, "att_1", "+4791234567"); err != nil {
		t.Fatal(err)
	}
	if err := IdentifyPayer(pi, "att_1", "+4741234567"); err == nil || pi.Pending.Phone != "+4791234567" {
		t.Fatalf("second payer: %v %s", err, pi.Pending.Phone)
	}
}
