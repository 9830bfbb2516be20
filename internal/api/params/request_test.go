package params

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFromRequest(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		want        string // Canonical
	}{
		{"GET query", "GET", "/v1/charges?limit=3&expand[0]=data.customer", "", "", `{"expand":["data.customer"],"limit":"3"}`},
		{"HEAD query", "HEAD", "/v1/charges?limit=3", "", "", `{"limit":"3"}`},
		{"GET ignores body", "GET", "/v1/charges?limit=3", "application/x-www-form-urlencoded", "limit=4", `{"limit":"3"}`},
		{"DELETE query", "DELETE", "/v1/subscriptions/sub_1?prorate=true", "", "", `{"prorate":"true"}`},
		{"DELETE body, as stripe-go sends it", "DELETE", "/v1/subscriptions/sub_1", "application/x-www-form-urlencoded", "invoice_now=true", `{"invoice_now":"true"}`},
		{"POST form", "POST", "/v1/payment_intents", "application/x-www-form-urlencoded", "amount=2000&currency=usd", `{"amount":"2000","currency":"usd"}`},
		{"POST form ignores query", "POST", "/v1/payment_intents?amount=1", "application/x-www-form-urlencoded", "amount=2000", `{"amount":"2000"}`},
		{"POST without content type is form", "POST", "/v1/x", "", "a=1", `{"a":"1"}`},
		{"POST empty form", "POST", "/v1/x", "application/x-www-form-urlencoded", "", `{}`},
		{"POST JSON", "POST", "/v1/payment_intents", "application/json", `{"amount":2000,"currency":"usd"}`, `{"amount":"2000","currency":"usd"}`},
		{"POST JSON with charset", "POST", "/v1/x", "Application/JSON; charset=utf-8", `{"a":1}`, `{"a":"1"}`},
		{"POST empty JSON body", "POST", "/v1/x", "application/json", "", `{}`},
		{"POST JSON-looking form", "POST", "/v1/x", "text/plain", `{"a":1}`, `{"{\"a\":1}":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			p, err := FromRequest(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(p.Canonical()); got != tt.want {
				t.Errorf("Canonical() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFromRequestErrors(t *testing.T) {
	big := "a=" + strings.Repeat("x", maxBodyBytes)
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		param, msg  string
	}{
		{"bad query escape", "GET", "/v1/x?a=%zz", "", "", "", `Invalid form-encoded query string: invalid URL escape "%zz".`},
		{"bad form escape", "POST", "/v1/x", "", "a=%zz", "", `Invalid form-encoded body: invalid URL escape "%zz".`},
		{"semicolon", "POST", "/v1/x", "", "a=1;b=2", "", "Invalid form-encoded body: invalid semicolon separator in query."},
		{"bad form key", "POST", "/v1/x", "", "a[b=1", "a[b", "never closed"},
		{"form conflict", "POST", "/v1/x", "", "a=1&a[b]=2", "a", "Conflicting parameters"},
		{"malformed JSON", "POST", "/v1/x", "application/json", `{"a":`, "", "Invalid JSON body"},
		{"JSON array", "POST", "/v1/x", "application/json", `[1]`, "", "must be a JSON object"},
		{"too large", "POST", "/v1/x", "", big, "", "Request body too large: the limit is 1048576 bytes (1 MiB)."},
		{"too large JSON", "POST", "/v1/x", "application/json", big, "", "Request body too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			_, err := FromRequest(r)
			checkError(t, err, tt.param, "", tt.msg)
		})
	}
}

func TestFromRequestBodyLimit(t *testing.T) {
	// Exactly at the limit is fine, and an unknown length (chunked) is still capped.
	body := "a=" + strings.Repeat("x", maxBodyBytes-2)
	r := httptest.NewRequest("POST", "/v1/x", strings.NewReader(body))
	if _, err := FromRequest(r); err != nil {
		t.Errorf("body of exactly %d bytes: %v", maxBodyBytes, err)
	}
	r = httptest.NewRequest("POST", "/v1/x", io.MultiReader(strings.NewReader(body), strings.NewReader("x")))
	r.ContentLength = -1
	_, err := FromRequest(r)
	checkError(t, err, "", "", "Request body too large")
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestFromRequestReadError(t *testing.T) {
	r := httptest.NewRequest("POST", "/v1/x", failingReader{})
	_, err := FromRequest(r)
	var pe *Error
	if err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("err = %v, want a plain read error", err)
	}
}

func TestFromRequestNilBody(t *testing.T) {
	r := &http.Request{Method: "POST", Header: http.Header{}}
	p, err := FromRequest(r)
	if err != nil || string(p.Canonical()) != "{}" {
		t.Errorf("FromRequest = %v, %v", p, err)
	}
}
