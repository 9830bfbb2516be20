package sandbox

import (
	"regexp"
	"testing"
)

var normalizedMobile = regexp.MustCompile(`^\+47[49][0-9]{7}$`)

// FuzzNormalizeNorwegianMobile: whatever a customer types, an accepted
// number is +47 and eight digits starting with 4 or 9, and normalizing it
// again changes nothing.
func FuzzNormalizeNorwegianMobile(f *testing.F) {
	for _, seed := range []string{"+47 912 34 567", "41234567", "004791234567", "4791234567", "+46 712 34 567", "９１２３４５６７", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		got, ok := NormalizeNorwegianMobile(typed)
		if !ok {
			return
		}
		if !normalizedMobile.MatchString(got) {
			t.Fatalf("%q normalized to %q", typed, got)
		}
		if again, ok := NormalizeNorwegianMobile(got); !ok || again != got {
			t.Fatalf("normalizing %q again gave %q, %v", got, again, ok)
		}
	})
}
