package loadgen

import "time"

// Second summarizes the requests that were due in one second of the run,
// latencies in milliseconds.
type Second struct {
	At     int     `json:"at_s"` // seconds since the start of the schedule
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
}

// timeline buckets latencies by the second their request was due, so a
// stall shows in the second it hit, not when its requests came back.
type timeline struct {
	lat    [][]time.Duration
	errors []int
}

func newTimeline() *timeline { return &timeline{} }

func (t *timeline) add(dueAfter, latency time.Duration, failed bool) {
	s := int(dueAfter / time.Second)
	for len(t.lat) <= s {
		t.lat = append(t.lat, nil)
		t.errors = append(t.errors, 0)
	}
	t.lat[s] = append(t.lat[s], latency)
	if failed {
		t.errors[s]++
	}
}

// seconds summarizes every second, empty ones included so gaps show.
func (t *timeline) seconds() []Second {
	out := make([]Second, len(t.lat))
	for s, lat := range t.lat {
		out[s] = Second{At: s, Count: len(lat), Errors: t.errors[s]}
		if len(lat) == 0 {
			continue
		}
		sortDurations(lat)
		out[s].P50, out[s].P99, out[s].Max = ms(quantile(lat, 0.5)), ms(quantile(lat, 0.99)), ms(lat[len(lat)-1])
	}
	return out
}
