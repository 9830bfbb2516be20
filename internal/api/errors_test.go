package api

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kassa/internal/api/params"
	"kassa/internal/payments"
	"kassa/internal/store"
)

func TestErrorMapping(t *testing.T) {
	s := &Server{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	r := httptest.NewRequest("POST", "/v1/payment_intents", nil)
	tests := []struct {
		name   string
		err    error
		status int
		typ    string
		code   string
		param  string
	}{
		{"parameter", &params.Error{Param: "amount", Code: "parameter_invalid_integer", Message: "Invalid integer: x"}, 400, typeInvalidRequest, "parameter_invalid_integer", "amount"},
		{"domain rule", payments.Missing("currency"), 400, typeInvalidRequest, "parameter_missing", "currency"},
		{"missing object", payments.NotFound("payment_intent", "pi_x", "intent"), 404, typeInvalidRequest, "resource_missing", "intent"},
		{"busy database, wrapped", fmt.Errorf("commit: %w", store.ErrLockTimeout), 429, typeInvalidRequest, "lock_timeout", ""},
		{"unexpected", errors.New("disk on fire at /var/lib/kassa"), 500, typeAPI, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := s.toAPIError(r, tc.err)
			if e.Status != tc.status || e.Type != tc.typ || e.Code != tc.code || e.Param != tc.param || e.Message == "" {
				t.Fatalf("%+v", e)
			}
			if tc.status == 500 && strings.Contains(e.Message, "disk on fire") {
				t.Fatal("an internal error leaks its details to the client")
			}
		})
	}
}

func TestUnexpectedStateCarriesTheIntent(t *testing.T) {
	s := &Server{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	pi := &payments.PaymentIntent{ID: "pi_1", Status: payments.Succeeded, Currency: "eur"}
	rec := httptest.NewRecorder()
	s.writeError(rec, httptest.NewRequest("POST", "/", nil), &payments.Error{Code: payments.CodeUnexpectedState, Message: "no", Intent: pi})
	body := rec.Body.String()
	if rec.Code != http.StatusBadRequest || !strings.Contains(body, `"payment_intent":{`) || !strings.Contains(body, `"status":"succeeded"`) ||
		!strings.Contains(body, `"doc_url":"https://stripe.com/docs/error-codes/payment-intent-unexpected-state"`) {
		t.Fatalf("%d %s", rec.Code, body)
	}
}

func TestAPIKeyFromHeader(t *testing.T) {
	tests := []struct {
		header string
		want   string
	}{
		{"Bearer sk_test_abc", "sk_test_abc"},
		{"bearer  sk_test_abc ", "sk_test_abc"},
		{"Basic c2tfdGVzdF9hYmM6", "sk_test_abc"}, // "sk_test_abc:"
		{"Basic c2tfdGVzdF9hYmM=", "sk_test_abc"}, // no colon
		{"Basic !!!", ""},
		{"Token sk_test_abc", ""},
		{"", ""},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", tc.header)
		if got := apiKey(r); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.header, got, tc.want)
		}
	}
	if got := redact("sk_test_abcdefghijklmnop1234"); got != "sk_test_********1234" {
		t.Errorf("redact: %s", got)
	}
}
