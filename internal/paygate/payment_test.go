package paygate

import (
	"reflect"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestSettleOnce(t *testing.T) {
	p := &Payment{}
	if !p.Settle(StatusOK, CodeOK, "success", now) || p.Notify.State != NotifyPending || !p.Notify.NextAt.Equal(now) {
		t.Fatalf("first settle: %+v", p)
	}
	if p.Settle(StatusFailed, "20500001", "late", now.Add(time.Hour)) || p.Status != StatusOK || !p.Notify.NextAt.Equal(now) {
		t.Errorf("a second settle changed the payment: %+v", p)
	}
}

// TestNotifyScheduleIsEightTriesOverADay follows a shop that never answers.
func TestNotifyScheduleIsEightTriesOverADay(t *testing.T) {
	p := &Payment{}
	p.Settle(StatusOK, CodeOK, "", now)
	at, tries := now, 0
	for p.Notify.State == NotifyPending {
		if p.Notify.NextAt.Before(at) {
			t.Fatalf("try %d scheduled in the past", tries+1)
		}
		at = p.Notify.NextAt
		tries++
		p.NotifyTried(false, "HTTP 503", at)
	}
	if tries != 8 || p.Notify.State != NotifyFailed || p.Notify.LastError != "HTTP 503" {
		t.Fatalf("%d tries, state %s", tries, p.Notify.State)
	}
	if span := at.Sub(now); span < 20*time.Hour || span > 26*time.Hour {
		t.Errorf("the last try came %s after the first; Paygate spreads them over about a day", span)
	}
}

func TestNotifyAnsweredStopsRetries(t *testing.T) {
	p := &Payment{Claim: "c", LeaseUntil: now}
	p.Settle(StatusOK, CodeOK, "", now)
	p.NotifyTried(false, "timeout", now)
	p.NotifyTried(true, "", now.Add(time.Minute))
	if p.Notify.State != NotifyAnswered || p.Notify.Attempts != 2 || !p.Notify.AnsweredAt.Equal(now.Add(time.Minute)) || p.Claim != "" || !p.Notify.NextAt.IsZero() {
		t.Errorf("%+v", p)
	}
}

func TestResultAndEcho(t *testing.T) {
	p := &Payment{MerchantID: "M", PayID: "P", XID: "X", TransID: "T", Amount: 1999, Currency: "EUR", AccOwner: "Max",
		RefNr: "R-1", UserData: "u=1", Plain: "shop-7", Custom: "a=1|b=two"}
	p.Settle(StatusOK, CodeOK, "success", now)
	v := p.Result([]byte("k"))
	if v.Get("mid") != "M" || v.Get("Status") != "OK" || v.Get("Code") != "00000000" || v.Get("RefNr") != "R-1" || v.Get("UserData") != "u=1" {
		t.Errorf("result %s", v.Encode())
	}
	if v.Get("MAC") != ResponseMAC([]byte("k"), "P", "T", "M", "OK", CodeOK) {
		t.Errorf("MAC %s", v.Get("MAC"))
	}
	want := [][2]string{{"Plain", "shop-7"}, {"a", "1"}, {"b", "two"}}
	if got := p.Echo(); !reflect.DeepEqual(got, want) {
		t.Errorf("Echo = %v, want %v", got, want)
	}
	if len(NewPaymentID()) != 32 || NewPaymentID() == NewPaymentID() {
		t.Error("PayIDs are 32 random hex digits")
	}
}
