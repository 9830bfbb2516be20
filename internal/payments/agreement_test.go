package payments

import (
	"testing"
	"time"

	"kassa/internal/methods"
)

func TestSetupFutureUsageNeedsReusableMethods(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		setup   string
		types   []methods.Type
		wantErr bool
	}{
		{"vipps saves agreements", SetupOffSession, []methods.Type{methods.Vipps}, false},
		{"sofort has none", SetupOffSession, []methods.Type{methods.Sofort}, true},
		{"bank transfer has none", SetupOffSession, []methods.Type{methods.BankTransferID}, true},
		{"on_session is not supported", "on_session", []methods.Type{methods.Vipps}, true},
		{"no setup", "", []methods.Type{methods.Sofort}, false},
	}
	for _, tt := range tests {
		m, _ := methods.Lookup(tt.types[0])
		cur := m.Currencies[0]
		_, _, err := NewIntent("pi_1", "acct_1", "s", IntentInput{Amount: 1000, Currency: cur, PaymentMethodTypes: tt.types, SetupFutureUsage: tt.setup}, now)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: %v; want error %v", tt.name, err, tt.wantErr)
		}
		if e, ok := err.(*Error); ok && e.Param != "setup_future_usage" {
			t.Errorf("%s: error on %q; want setup_future_usage", tt.name, e.Param)
		}
	}
}

func TestAgreementLifecycle(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	pm := &PaymentMethod{ID: "pm_1", AccountID: "acct_1", Type: methods.Vipps}
	pi := &PaymentIntent{ID: "pi_1", AccountID: "acct_1", Amount: 100, Currency: "nok", Status: RequiresAction,
		PaymentMethodTypes: []methods.Type{methods.Vipps}, SetupFutureUsage: SetupOffSession}

	// Nothing is saved before the payment succeeded, nor without setup.
	if SaveAgreement(pi, pm, now) || pm.Agreement != nil {
		t.Fatal("saved an agreement for a payment still pending")
	}
	plain := &PaymentIntent{ID: "pi_0", Status: Succeeded}
	if SaveAgreement(plain, pm, now) {
		t.Fatal("saved an agreement for a payment without setup_future_usage")
	}
	off := &PaymentIntent{ID: "pi_2", AccountID: "acct_1", Amount: 200, Currency: "nok", Status: RequiresPaymentMethod,
		PaymentMethodTypes: []methods.Type{methods.Vipps}}
	if err := BeginOffSession(off, pm, "off_1"); err == nil {
		t.Fatal("began an off-session charge without an agreement")
	}

	pi.Status = Succeeded
	if !SaveAgreement(pi, pm, now) || !pm.Active() || pm.Agreement.IntentID != "pi_1" {
		t.Fatalf("agreement after success: %+v", pm.Agreement)
	}
	if SaveAgreement(pi, pm, now.Add(time.Hour)) || !pm.Agreement.Created.Equal(now) {
		t.Error("a second save replaced the agreement")
	}

	if err := BeginOffSession(off, pm, "off_1"); err != nil {
		t.Fatal(err)
	}
	if off.Status != RequiresAction || off.Pending == nil || off.Pending.Attempt != "off_1" || off.Pending.RedirectURL != "" || off.PaymentMethodID != "pm_1" {
		t.Errorf("off-session intent %+v pending %+v", off, off.Pending)
	}
	if err := BeginOffSession(off, pm, "off_2"); err == nil {
		t.Error("began a second off-session charge of an intent already under way")
	}

	if err := RevokeAgreement(pm, now.Add(time.Hour)); err != nil || pm.Active() || !pm.Agreement.RevokedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("revoke: %v %+v", err, pm.Agreement)
	}
	if err := RevokeAgreement(pm, now.Add(2*time.Hour)); err != nil || !pm.Agreement.RevokedAt.Equal(now.Add(time.Hour)) {
		t.Errorf("second revoke changed the agreement: %v %+v", err, pm.Agreement)
	}
	if err := RevokeAgreement(&PaymentMethod{ID: "pm_x"}, now); err == nil {
		t.Error("revoked an agreement that does not exist")
	}
}
