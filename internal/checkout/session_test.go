package checkout

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"kassa/internal/methods"
	"kassa/internal/payments"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func sessionIn(state State) *Session {
	return &Session{ID: "cs_1", AccountID: "acct_1", State: state, Currency: "eur", AmountSubtotal: 2000, AmountTotal: 2000,
		PaymentIntentID: "pi_1", PaymentMethodTypes: []methods.Type{methods.Sofort}, SuccessURL: "https://shop.example/ok",
		ExpiresAt: t0.Add(24 * time.Hour), Created: t0}
}

// apply runs an action the way the gateway does.
func apply(s *Session, action Action) ([]payments.Event, error) {
	if action == ActionPay {
		_, err := Pay(s, methods.Sofort, "DE")
		return nil, err
	}
	return Apply(s, action)
}

// TestStateMachine covers every (state, action) pair. The expected table
// is written out here, independent of the implementation's.
func TestStateMachine(t *testing.T) {
	const x = State("") // illegal: checkout_session_unexpected_state, nothing changes
	type outcome struct {
		next  State
		event string
	}
	want := map[State]map[Action]outcome{
		StateOpen: {ActionPay: {StateOpen, ""}, ActionComplete: {StatePaid, EventCompleted},
			ActionCompleteDelayed: {StateAwaitingPayment, EventCompleted}, ActionAsyncSucceed: {x, ""}, ActionAsyncFail: {x, ""},
			ActionExpire: {StateExpired, EventExpired}},
		StateAwaitingPayment: {ActionPay: {x, ""}, ActionComplete: {x, ""}, ActionCompleteDelayed: {x, ""},
			ActionAsyncSucceed: {StatePaid, EventAsyncPaymentSucceed}, ActionAsyncFail: {StatePaymentFailed, EventAsyncPaymentFailed},
			ActionExpire: {x, ""}},
		StatePaid: {ActionPay: {x, ""}, ActionComplete: {x, ""}, ActionCompleteDelayed: {x, ""}, ActionAsyncSucceed: {x, ""},
			ActionAsyncFail: {x, ""}, ActionExpire: {x, ""}},
		StatePaymentFailed: {ActionPay: {x, ""}, ActionComplete: {x, ""}, ActionCompleteDelayed: {x, ""}, ActionAsyncSucceed: {x, ""},
			ActionAsyncFail: {x, ""}, ActionExpire: {x, ""}},
		StateExpired: {ActionPay: {x, ""}, ActionComplete: {x, ""}, ActionCompleteDelayed: {x, ""}, ActionAsyncSucceed: {x, ""},
			ActionAsyncFail: {x, ""}, ActionExpire: {x, ""}},
	}
	for _, state := range States {
		for _, action := range Actions {
			w, ok := want[state][action]
			if !ok {
				t.Fatalf("table misses (%s, %s)", state, action)
			}
			t.Run(string(state)+"/"+string(action), func(t *testing.T) {
				s := sessionIn(state)
				before := s.Clone()
				events, err := apply(s, action)
				if w.next == x {
					var e *payments.Error
					if !errors.As(err, &e) || e.Code != CodeUnexpectedState {
						t.Fatalf("want %s, got %v", CodeUnexpectedState, err)
					}
					if !strings.Contains(e.Message, "status of "+before.Status()) {
						t.Errorf("message does not name the current status: %s", e.Message)
					}
					if !reflect.DeepEqual(s, before) {
						t.Errorf("an illegal action changed the session:\n%+v\n%+v", before, s)
					}
					return
				}
				if err != nil {
					t.Fatalf("legal action failed: %v", err)
				}
				if s.State != w.next {
					t.Errorf("state %s, want %s", s.State, w.next)
				}
				switch {
				case w.event == "" && len(events) != 0:
					t.Errorf("unexpected events %v", events)
				case w.event != "" && (len(events) != 1 || events[0].Type != w.event):
					t.Errorf("events %v, want one %s", events, w.event)
				case w.event != "":
					snap := events[0].Object.(*Session)
					if snap.State != w.next || snap == s {
						t.Errorf("the event's snapshot is not a copy of the new session: %+v", snap)
					}
				}
			})
		}
	}
}

func TestStatusAndPaymentStatus(t *testing.T) {
	want := map[State][2]string{
		StateOpen:            {"open", "unpaid"},
		StateAwaitingPayment: {"complete", "unpaid"},
		StatePaid:            {"complete", "paid"},
		StatePaymentFailed:   {"complete", "unpaid"},
		StateExpired:         {"expired", "unpaid"},
	}
	for _, state := range States {
		s := sessionIn(state)
		if got := [2]string{s.Status(), s.PaymentStatus()}; got != want[state] {
			t.Errorf("%s: %v, want %v", state, got, want[state])
		}
		if d := s.Deadline(); (state == StateOpen) != !d.IsZero() {
			t.Errorf("%s: deadline %v", state, d)
		}
	}
}

// TestFollowIntent: which intent outcome moves the session how.
func TestFollowIntent(t *testing.T) {
	tests := []struct {
		state  State
		intent payments.Status
		next   State
		event  string
		err    bool
	}{
		{StateOpen, payments.Succeeded, StatePaid, EventCompleted, false},
		{StateOpen, payments.RequiresCapture, StatePaid, EventCompleted, false},
		{StateOpen, payments.Processing, StateAwaitingPayment, EventCompleted, false},
		{StateOpen, payments.RequiresPaymentMethod, StateOpen, "", false}, // a failed attempt: try again
		{StateOpen, payments.RequiresAction, StateOpen, "", false},
		{StateAwaitingPayment, payments.Succeeded, StatePaid, EventAsyncPaymentSucceed, false},
		{StateAwaitingPayment, payments.RequiresPaymentMethod, StatePaymentFailed, EventAsyncPaymentFailed, false},
		{StateAwaitingPayment, payments.Processing, StateAwaitingPayment, "", false},
		{StatePaid, payments.Succeeded, StatePaid, "", false}, // captured after authorization
		{StatePaymentFailed, payments.RequiresPaymentMethod, StatePaymentFailed, "", false},
		{StateExpired, payments.Canceled, StateExpired, "", false},
		// A session is expired only together with canceling its intent, so
		// an intent that succeeds afterwards is a broken invariant: refused.
		{StateExpired, payments.Succeeded, StateExpired, "", true},
	}
	for _, tt := range tests {
		s := sessionIn(tt.state)
		events, err := FollowIntent(s, &payments.PaymentIntent{ID: "pi_1", Status: tt.intent})
		if (err != nil) != tt.err {
			t.Errorf("%s + intent %s: error %v", tt.state, tt.intent, err)
			continue
		}
		if s.State != tt.next {
			t.Errorf("%s + intent %s: state %s, want %s", tt.state, tt.intent, s.State, tt.next)
		}
		if (tt.event == "") != (len(events) == 0) || (tt.event != "" && events[0].Type != tt.event) {
			t.Errorf("%s + intent %s: events %v, want %q", tt.state, tt.intent, events, tt.event)
		}
	}
}

func TestPayChecksMethodAndCountry(t *testing.T) {
	tests := []struct {
		method  methods.Type
		country string
		code    string
		param   string
	}{
		{methods.Sofort, "DE", "", ""},
		{methods.Sofort, "", payments.CodeParameterMissing, ParamCountry},
		{methods.Sofort, "FR", "payment_method_country_unsupported", ParamCountry},
		{methods.Vipps, "NO", payments.CodeParameterInvalid, ParamMethod}, // not offered by this session
		{"card", "", payments.CodeParameterInvalid, ParamMethod},
		// billing_address_collection=required asks even where the method does not.
		{methods.BankTransferID, "", payments.CodeParameterMissing, ParamCountry},
		{methods.BankTransferID, "ID", "", ""},
	}
	for _, tt := range tests {
		s := sessionIn(StateOpen)
		if tt.method == methods.BankTransferID {
			s.Currency, s.PaymentMethodTypes, s.BillingAddressCollection = "idr", []methods.Type{methods.BankTransferID}, "required"
		}
		_, err := Pay(s, tt.method, tt.country)
		if tt.code == "" {
			if err != nil || s.CustomerDetails == nil || s.CustomerDetails.Country != tt.country {
				t.Errorf("%s %s: %v %+v", tt.method, tt.country, err, s.CustomerDetails)
			}
			continue
		}
		var e *payments.Error
		if !errors.As(err, &e) || e.Code != tt.code || e.Param != tt.param {
			t.Errorf("%s %q: got %v, want %s on %s", tt.method, tt.country, err, tt.code, tt.param)
		}
		if s.CustomerDetails != nil {
			t.Errorf("a refused payment recorded customer details")
		}
	}
}

func TestSuccessRedirectFillsPlaceholder(t *testing.T) {
	s := sessionIn(StatePaid)
	s.SuccessURL = "https://shop.example/ok?session={CHECKOUT_SESSION_ID}&x=1"
	if got := s.SuccessRedirect(); got != "https://shop.example/ok?session=cs_1&x=1" {
		t.Fatal(got)
	}
}

// TestEventTypesAreListed: webhook endpoints subscribe from payments.EventTypes.
func TestEventTypesAreListed(t *testing.T) {
	for _, typ := range []string{EventCompleted, EventExpired, EventAsyncPaymentSucceed, EventAsyncPaymentFailed} {
		if !payments.KnownEventType(typ) {
			t.Errorf("%s is not in payments.EventTypes", typ)
		}
	}
}
