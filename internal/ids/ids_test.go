package ids

import (
	"sort"
	"strings"
	"testing"
	"time"
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

// Ids made later sort after earlier ones (byte order, as SQLite compares
// text), from one millisecond to the next and across digit carries.
func TestNewSortsByTheMillisecond(t *testing.T) {
	base := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	var made []string
	for _, d := range []time.Duration{0, time.Millisecond, 61 * time.Millisecond, 62 * time.Millisecond,
		time.Second, time.Hour, 24 * time.Hour * 365 * 50} {
		made = append(made, newAt(Event, base.Add(d)))
	}
	if !sort.StringsAreSorted(made) {
		t.Fatalf("not in time order: %v", made)
	}
	if a, b := newAt(Event, base), newAt(Event, base); a[:12] != b[:12] || a == b {
		t.Fatalf("same millisecond: %q and %q should share the time part and differ after it", a, b)
	}
}

// A token keeps all n random characters after the time part, and sorts by
// the millisecond like an id.
func TestTokenIsTimeOrderedAndKeepsItsRandomPart(t *testing.T) {
	base := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	earlier, later := tokenAt("att", 32, base), tokenAt("att", 32, base.Add(time.Millisecond))
	if !strings.HasPrefix(earlier, "att_") || len(earlier) != len("att_")+8+32 || strings.Trim(earlier[4:], alphabet) != "" {
		t.Fatalf("bad token %q", earlier)
	}
	if earlier >= later {
		t.Fatalf("%q made a millisecond before %q sorts after it", earlier, later)
	}
	if a, b := tokenAt("att", 32, base), tokenAt("att", 32, base); a == b || a[:12] != b[:12] {
		t.Fatalf("same millisecond: %q and %q should share the time part and differ after it", a, b)
	}
}
