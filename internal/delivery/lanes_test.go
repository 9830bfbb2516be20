package delivery

import (
	"testing"

	"kassa/internal/webhooks"
)

func jobFor(endpointID, id string) *job {
	return &job{delivery: &webhooks.Delivery{ID: id, EndpointID: endpointID}}
}

func deliveryIDs(jobs ...*job) []string {
	var out []string
	for _, j := range jobs {
		if j != nil {
			out = append(out, j.delivery.ID)
		}
	}
	return out
}

func TestLanesRunAtMostPerEndpointInOrder(t *testing.T) {
	l := newLanes(2)
	started := l.add([]*job{jobFor("we_a", "a1"), jobFor("we_a", "a2"), jobFor("we_b", "b1"), jobFor("we_a", "a3"), jobFor("we_a", "a4")})
	if got := deliveryIDs(started...); !equal(got, []string{"a1", "a2", "b1"}) {
		t.Fatalf("started %v, want a1 a2 b1", got)
	}
	// a's lane is full: a later claim waits behind a3 and a4.
	if got := deliveryIDs(l.add([]*job{jobFor("we_a", "a5"), jobFor("we_c", "c1")})...); !equal(got, []string{"c1"}) {
		t.Fatalf("started %v, want c1", got)
	}
	steps := []struct {
		finished string // the endpoint whose job finished
		want     string // its next job; "" frees the place
	}{
		{"we_a", "a3"}, {"we_b", ""}, {"we_a", "a4"}, {"we_a", "a5"}, {"we_a", ""}, {"we_a", ""}, {"we_c", ""},
	}
	for i, st := range steps {
		got := ""
		if j := l.next(st.finished); j != nil {
			got = j.delivery.ID
		}
		if got != st.want {
			t.Fatalf("step %d: %s finished, next %q, want %q", i, st.finished, got, st.want)
		}
	}
	if len(l.byEndpoint) != 0 {
		t.Fatalf("idle lanes kept: %v", l.byEndpoint)
	}
	// Freed places are taken again.
	if got := deliveryIDs(l.add([]*job{jobFor("we_a", "a6"), jobFor("we_a", "a7"), jobFor("we_a", "a8")})...); !equal(got, []string{"a6", "a7"}) {
		t.Fatalf("started %v, want a6 a7", got)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
