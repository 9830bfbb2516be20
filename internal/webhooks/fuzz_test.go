package webhooks

import (
	"net"
	"net/url"
	"strings"
	"testing"
)

// FuzzCheckURL: any string gets an answer, never a panic; what is accepted
// is an absolute http(s) URL with a host and no credentials, and what the
// multi-tenant check accepts names no forbidden IP literal.
func FuzzCheckURL(f *testing.F) {
	for _, seed := range []string{
		"https://shop.example/webhooks", "http://127.0.0.1:8080/hook", "http://[::1]/x", "https://user:pw@h/",
		"ftp://h/", "//h/x", "http://localhost./x", "https://10.0.0.1", "http://0x7f.1/", "http://%zz", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if CheckURL(raw) == nil {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
				t.Fatalf("accepted %q", raw)
			}
		}
		if CheckURL(raw) == nil && CheckPublicURL(raw) == nil {
			u, _ := url.Parse(raw)
			host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
			if ip := net.ParseIP(host); ip != nil && ForbiddenIP(ip) {
				t.Fatalf("the public check accepted a forbidden address: %q", raw)
			}
			if host == "localhost" {
				t.Fatalf("the public check accepted localhost: %q", raw)
			}
		}
	})
}
