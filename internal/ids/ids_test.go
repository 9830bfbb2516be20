package ids

import (
	"strings"
	"testing"
)

func TestNewHasPrefixAndIsUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := New(PaymentIntent)
		if !strings.HasPrefix(id, "pi_") || len(id) != 27 {
			t.Fatalf("bad id %q", id)
		}
		if strings.Trim(id[3:], alphabet) != "" {
			t.Fatalf("id %q has characters outside base62", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}
