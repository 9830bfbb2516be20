package webhooks

import (
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"kassa/internal/payments"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func str(s string) *string { return &s }

func TestNewEndpointValidates(t *testing.T) {
	versions := []string{"2025-08-27.basil"}
	ok := func() EndpointInput {
		return EndpointInput{URL: str("https://shop.example/hooks"), EnabledEvents: []string{payments.EventIntentSucceeded}}
	}
	tests := []struct {
		name      string
		change    func(*EndpointInput)
		param     string
		inMessage string
	}{
		{"valid", func(*EndpointInput) {}, "", ""},
		{"all events", func(in *EndpointInput) { in.EnabledEvents = []string{"*"} }, "", ""},
		{"local http receiver", func(in *EndpointInput) { in.URL = str("http://127.0.0.1:9000/x") }, "", ""},
		{"no url", func(in *EndpointInput) { in.URL = nil }, "url", "Missing"},
		{"no events", func(in *EndpointInput) { in.EnabledEvents = nil }, "enabled_events", "Missing"},
		{"empty events", func(in *EndpointInput) { in.EnabledEvents = []string{} }, "enabled_events", "at least one"},
		{"unknown event lists valid ones", func(in *EndpointInput) {
			in.EnabledEvents = []string{payments.EventIntentSucceeded, "payment_intent.exploded"}
		}, "enabled_events[1]", "payment_intent.amount_capturable_updated"},
		{"ftp", func(in *EndpointInput) { in.URL = str("ftp://shop.example/x") }, "url", "http:// or https://"},
		{"relative", func(in *EndpointInput) { in.URL = str("/hooks") }, "url", "http:// or https://"},
		{"no host", func(in *EndpointInput) { in.URL = str("https:///hooks") }, "url", "host"},
		{"credentials", func(in *EndpointInput) { in.URL = str("https://u:p@shop.example/") }, "url", "credentials"},
		{"too long", func(in *EndpointInput) { in.URL = str("https://shop.example/" + strings.Repeat("a", 2048)) }, "url", "2048"},
		{"api version", func(in *EndpointInput) { in.APIVersion = str("2020-08-27") }, "api_version", "2025-08-27.basil"},
		{"created disabled", func(in *EndpointInput) { in.Disabled = new(bool) }, "disabled", "enabled"},
		{"metadata limits", func(in *EndpointInput) { in.Metadata = map[string]string{strings.Repeat("k", 41): "v"} }, "metadata[" + strings.Repeat("k", 41) + "]", "40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok()
			tt.change(&in)
			e, err := NewEndpoint("we_1", "acct_1", in, versions, t0)
			if tt.param == "" {
				if err != nil || e.URL != *in.URL || e.Status() != StatusEnabled || !e.Created.Equal(t0) {
					t.Fatalf("%+v %v", e, err)
				}
				return
			}
			var pe *payments.Error
			if !errors.As(err, &pe) || pe.Param != tt.param || !strings.Contains(pe.Message, tt.inMessage) {
				t.Fatalf("want an error on %s mentioning %q, got %v (%+v)", tt.param, tt.inMessage, err, pe)
			}
		})
	}
}

func TestUpdateIsAllOrNothing(t *testing.T) {
	e, err := NewEndpoint("we_1", "acct_1", EndpointInput{URL: str("https://a.example/"), EnabledEvents: []string{"*"},
		Metadata: map[string]string{"a": "1"}}, nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	err = Update(e, EndpointInput{Description: str("new"), URL: str("gopher://x")})
	if err == nil || e.Description != "" || e.URL != "https://a.example/" {
		t.Fatalf("a failed update changed the endpoint: %+v %v", e, err)
	}
	yes := true
	if err := Update(e, EndpointInput{Disabled: &yes, EnabledEvents: []string{payments.EventChargeFailed, payments.EventChargeFailed},
		Metadata: map[string]string{"a": "", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if e.Status() != StatusDisabled || len(e.EnabledEvents) != 1 || e.Metadata["b"] != "2" || e.Metadata["a"] != "" {
		t.Fatalf("%+v", e)
	}
	if err := Update(e, EndpointInput{APIVersion: str("2025-08-27.basil")}); err == nil {
		t.Fatal("api_version changed on update")
	}
}

func TestSubscribes(t *testing.T) {
	some := &Endpoint{EnabledEvents: []string{payments.EventIntentSucceeded}}
	all := &Endpoint{EnabledEvents: []string{AllEvents}}
	off := &Endpoint{EnabledEvents: []string{AllEvents}, Disabled: true}
	for _, c := range []struct {
		e    *Endpoint
		typ  string
		want bool
	}{
		{some, payments.EventIntentSucceeded, true},
		{some, payments.EventIntentCreated, false},
		{all, payments.EventChargeCaptured, true},
		{off, payments.EventChargeCaptured, false},
	} {
		if got := c.e.Subscribes(c.typ); got != c.want {
			t.Errorf("%v subscribes to %s: %v", c.e.EnabledEvents, c.typ, got)
		}
	}
}

func TestSignMatchesStripe(t *testing.T) {
	secret := "whsec_" + strings.Repeat("x", 32)
	body := []byte(`{"id":"evt_1","object":"event","api_version":"2025-08-27.basil","type":"payment_intent.succeeded","data":{"object":{}}}`)
	now := time.Now()
	header := Sign(secret, now, body)
	want := "v1=" + hex.EncodeToString(webhook.ComputeSignature(now, body, secret))
	if !strings.HasSuffix(header, want) || !strings.HasPrefix(header, "t=") {
		t.Fatalf("header %q, stripe-go computes %q", header, want)
	}
	if _, err := webhook.ConstructEvent(body, header, secret); err != nil {
		t.Fatalf("stripe-go rejects the signature: %v", err)
	}
	if _, err := webhook.ConstructEvent(body, header, secret+"y"); err == nil {
		t.Fatal("another secret verifies")
	}
	if _, err := webhook.ConstructEvent(append(body, ' '), header, secret); err == nil {
		t.Fatal("a changed body verifies")
	}
}

func TestRetrySchedule(t *testing.T) {
	// Nominal (jitter 0.5 = none): 30s doubling up to 12h, within 72h.
	at, attempts := t0, 1
	var delays []time.Duration
	for {
		next, ok := NextAttempt(t0, at, attempts, 0.5)
		if !ok {
			break
		}
		delays = append(delays, next.Sub(at))
		at, attempts = next, attempts+1
	}
	if attempts != 16 || delays[0] != 30*time.Second || delays[10] != 512*time.Minute || delays[11] != 12*time.Hour {
		t.Fatalf("%d attempts, delays %v", attempts, delays)
	}
	if last := at.Sub(t0); last < 60*time.Hour || last > RetryWindow {
		t.Fatalf("last attempt %v after creation", last)
	}
	// Jitter stays within ±25%.
	for _, j := range []float64{0, 0.999999} {
		next, _ := NextAttempt(t0, t0, 3, j)
		if d := next.Sub(t0); d < 90*time.Second || d > 150*time.Second {
			t.Fatalf("jitter %v gives %v for a nominal 2m", j, d)
		}
	}
}

func TestConclude(t *testing.T) {
	d := Delivery{ID: "wd_1", Attempts: 2, Created: t0, Claim: "c"}
	ok := Conclude(d, Attempt{At: t0.Add(time.Minute), StatusCode: 204}, 0.5)
	if ok.Status != DeliverySucceeded || ok.Attempt.Number != 3 || ok.Attempt.DeliveryID != "wd_1" || ok.Claim != "c" {
		t.Fatalf("%+v", ok)
	}
	retry := Conclude(d, Attempt{At: t0.Add(time.Minute), StatusCode: 500}, 0.5)
	if retry.Status != DeliveryPending || !retry.NextAttemptAt.Equal(t0.Add(time.Minute+2*time.Minute)) {
		t.Fatalf("%+v", retry)
	}
	redirect := Conclude(d, Attempt{At: t0, StatusCode: 302}, 0.5)
	if redirect.Status != DeliveryPending {
		t.Fatalf("a redirect counts as success: %+v", redirect)
	}
	late := Conclude(d, Attempt{At: t0.Add(RetryWindow - time.Second), Error: "connection refused"}, 0.5)
	if late.Status != DeliveryFailed || !late.NextAttemptAt.IsZero() {
		t.Fatalf("%+v", late)
	}
}

func TestForbiddenIP(t *testing.T) {
	for ip, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "fe80::1": true, "0.0.0.0": true, "::": true, "100.64.0.1": true,
		"fd00::1": true, "224.0.0.1": true, "93.184.216.34": false, "2606:4700::1111": false, "8.8.8.8": false,
	} {
		if got := ForbiddenIP(net.ParseIP(ip)); got != want {
			t.Errorf("%s forbidden: %v", ip, got)
		}
	}
}

func TestLocalHost(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://localhost/hook": true, "http://LOCALHOST.:8080": true, "http://shop.localhost/x": true,
		"http://127.0.0.1:9000/": true, "https://[::1]/": true, "https://169.254.169.254/latest": true,
		"https://10.0.0.8": true, "https://shop.example/hook": false, "https://93.184.216.34/": false,
		"https://localhost.example/": false, "://nope": false,
	} {
		if _, got := LocalHost(raw); got != want {
			t.Errorf("LocalHost(%q) = %v", raw, got)
		}
		if err := CheckPublicURL(raw); want && err == nil {
			t.Errorf("CheckPublicURL(%q) accepted a local host", raw)
		}
	}
}
