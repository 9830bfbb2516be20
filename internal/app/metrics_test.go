package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRequireToken(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("metrics")) })
	tests := []struct {
		name, token, header string
		want                int
	}{
		{"no token set: open", "", "", http.StatusOK},
		{"no token set: any header", "", "Bearer whatever", http.StatusOK},
		{"the token", "s3cret", "Bearer s3cret", http.StatusOK},
		{"no header", "s3cret", "", http.StatusUnauthorized},
		{"another token", "s3cret", "Bearer s3cre", http.StatusUnauthorized},
		{"the token with more", "s3cret", "Bearer s3cret2", http.StatusUnauthorized},
		{"the token as basic auth", "s3cret", "Basic s3cret", http.StatusUnauthorized},
		{"the token alone", "s3cret", "s3cret", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			rec := httptest.NewRecorder()
			requireToken(tc.token, ok).ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
			if served := rec.Body.String() == "metrics"; served != (tc.want == http.StatusOK) {
				t.Fatalf("body %q with status %d", rec.Body.String(), rec.Code)
			}
			if tc.want == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("a refusal without WWW-Authenticate")
			}
		})
	}
}
