package loadgen

import (
	"fmt"
	"testing"
	"time"
)

func TestTimelineBucketsByDueSecondAndKeepsGaps(t *testing.T) {
	tl := newTimeline()
	ms := time.Millisecond
	for i := range 100 {
		tl.add(200*ms, time.Duration(i+1)*ms, i == 0) // second 0: 1..100 ms, one error
	}
	tl.add(2500*ms, 7*ms, false) // second 2; second 1 stays empty
	got := fmt.Sprint(tl.seconds())
	want := fmt.Sprint([]Second{
		{At: 0, Count: 100, Errors: 1, P50: 51, P99: 100, Max: 100},
		{At: 1},
		{At: 2, Count: 1, P50: 7, P99: 7, Max: 7},
	})
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}
