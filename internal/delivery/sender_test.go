package delivery

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// sender returns a sender that signs with a fixed secret and renders a fixed body.
func sender(cfg Config) *Sender {
	s := New(cfg)
	s.Secret = func(*webhooks.Endpoint) (string, error) { return "whsec_test", nil }
	s.Render = func(*store.Event) ([]byte, error) { return []byte(`{"id":"evt_1"}`), nil }
	return s
}

func TestPostOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		handler http.HandlerFunc
		status  int
		problem string // substring; "" means success
	}{
		{"2xx is success", Config{}, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }, 202, ""},
		{"5xx fails", Config{}, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }, 502, "502"},
		{"redirects are not followed", Config{}, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, 302, "302"},
		{"slow endpoint times out", Config{Timeout: 100 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(500 * time.Millisecond):
			case <-r.Context().Done():
			}
		}, 0, "Timeout"},
		{"huge answer is cut off", Config{MaxResponseBytes: 1024}, func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat("x", 1<<16))
			for range 1 << 14 { // 1 GiB unless the sender stops reading
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, 200, ""},
		{"private address refused when forbidden", Config{ForbidPrivateAddresses: true}, func(w http.ResponseWriter, r *http.Request) {
			t.Error("the request reached a loopback receiver")
		}, 0, "private or local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			s := sender(tt.cfg)
			start := time.Now()
			status, _, problem := s.post(context.Background(), &webhooks.Endpoint{URL: srv.URL}, "whsec_test", &store.Event{})
			if status != tt.status || (tt.problem == "") != (problem == "") || !strings.Contains(problem, tt.problem) {
				t.Fatalf("status %d problem %q; want %d %q", status, problem, tt.status, tt.problem)
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("took %v", time.Since(start))
			}
		})
	}
}

func TestForbidPrivateChecksTheDialledAddress(t *testing.T) {
	// A name is only known once resolved: the check runs on the address dialled.
	for addr, forbidden := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:443": true, "10.0.0.8:80": true, "169.254.169.254:80": true,
		"93.184.216.34:443": false, "[2606:4700::1111]:443": false,
	} {
		err := forbidPrivate("tcp", addr, nil)
		if got := errors.Is(err, ErrForbiddenAddress); got != forbidden {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

func TestPostSignsTheBody(t *testing.T) {
	var sig, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sig = r.Header.Get("Stripe-Signature")
		b := make([]byte, 100)
		n, _ := r.Body.Read(b)
		body = string(b[:n])
		if r.Header.Get("Content-Type") != "application/json; charset=utf-8" || r.Method != http.MethodPost {
			t.Errorf("%s %s", r.Method, r.Header.Get("Content-Type"))
		}
	}))
	defer srv.Close()
	before := time.Now().Truncate(time.Second)
	sender(Config{}).post(context.Background(), &webhooks.Endpoint{URL: srv.URL}, "whsec_test", &store.Event{})
	var ts int64
	for _, part := range strings.Split(sig, ",") {
		if strings.HasPrefix(part, "t=") {
			ts = mustAtoi(t, part[2:])
		}
	}
	if body != `{"id":"evt_1"}` || sig != webhooks.Sign("whsec_test", time.Unix(ts, 0), []byte(body)) || ts < before.Unix() {
		t.Fatalf("signature %q for %q", sig, body)
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
