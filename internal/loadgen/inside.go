package loadgen

import (
	"math"
	"sort"
)

// InsideResult is how long a route's requests took inside the target over
// the run, from routing to the handler's return (Kassa's
// kassa_http_request_duration_seconds, all status classes together).
// Against the generator's latencies it tells time in the server from time
// reaching it. Quantiles are estimated from the histogram's buckets,
// linearly inside a bucket as Prometheus's histogram_quantile does; one
// that falls beyond the last finite bucket is reported as that bucket's
// bound.
type InsideResult struct {
	Count      int64   `json:"count"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Within20ms float64 `json:"within_20ms"` // share of the requests
}

const insideHistogram = "kassa_http_request_duration_seconds"

// histogram is one route's cumulative bucket counts by upper bound.
type histogram map[float64]float64

// insideChange is the request-duration histograms' change between two
// scrapes by route, or nil if the target has none.
func insideChange(before, after scrape) map[string]*InsideResult {
	was, now := routeHistograms(before), routeHistograms(after)
	if len(now) == 0 {
		return nil
	}
	out := map[string]*InsideResult{}
	for route, h := range now {
		if route == "GET /metrics" {
			continue // the generator's own readings
		}
		change := histogram{}
		for bound, n := range h {
			change[bound] = n - was[route][bound]
		}
		if res := summarize(change); res != nil {
			out[route] = res
		}
	}
	return out
}

// routeHistograms adds up each route's buckets over its status classes.
func routeHistograms(s scrape) map[string]histogram {
	out := map[string]histogram{}
	for _, m := range s.families[insideHistogram].GetMetric() {
		route := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" {
				route = l.GetValue()
			}
		}
		if out[route] == nil {
			out[route] = histogram{}
		}
		for _, b := range m.GetHistogram().GetBucket() { // +Inf included
			out[route][b.GetUpperBound()] += float64(b.GetCumulativeCount())
		}
	}
	return out
}

func summarize(h histogram) *InsideResult {
	bounds := make([]float64, 0, len(h))
	for b := range h {
		bounds = append(bounds, b)
	}
	sort.Float64s(bounds)
	if len(bounds) == 0 || h[bounds[len(bounds)-1]] <= 0 {
		return nil
	}
	total := h[bounds[len(bounds)-1]]
	quantileMS := func(q float64) float64 {
		rank := q * total
		lower, below := 0.0, 0.0
		for _, b := range bounds {
			if h[b] >= rank {
				if math.IsInf(b, 1) {
					return lower * 1000 // beyond the last finite bound
				}
				return (lower + (b-lower)*(rank-below)/(h[b]-below)) * 1000
			}
			lower, below = b, h[b]
		}
		return lower * 1000
	}
	within := func(seconds float64) float64 {
		lower, below := 0.0, 0.0
		for _, b := range bounds {
			if b >= seconds {
				if math.IsInf(b, 1) {
					return below / total
				}
				return (below + (h[b]-below)*(seconds-lower)/(b-lower)) / total
			}
			lower, below = b, h[b]
		}
		return below / total
	}
	return &InsideResult{Count: int64(total), P50: quantileMS(0.5), P90: quantileMS(0.9), P99: quantileMS(0.99), Within20ms: within(0.020)}
}
