package loadgen

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// requestHistogram writes a route's request-duration histogram the way
// Kassa's /metrics does (labels in Prometheus's order, le last), after the
// family's TYPE line.
func requestHistogram(w http.ResponseWriter, code, route string, cumulative map[string]float64) {
	for _, le := range []string{"0.005", "0.01", "0.02", "0.05", "+Inf"} {
		fmt.Fprintf(w, "kassa_http_request_duration_seconds_bucket{code=%q,route=%q,le=%q} %g\n", code, route, le, cumulative[le])
	}
	fmt.Fprintf(w, "kassa_http_request_duration_seconds_count{code=%q,route=%q} %g\n", code, route, cumulative["+Inf"])
}

func TestMeasureMetrics(t *testing.T) {
	var scrapes atomic.Int32
	kassa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "token", http.StatusUnauthorized)
			return
		}
		n := float64(scrapes.Add(1) - 1) // 0, then 1
		fmt.Fprintf(w, "# HELP kassa_sqlite_writes_total Writes.\n# TYPE kassa_sqlite_writes_total counter\n")
		fmt.Fprintf(w, "kassa_sqlite_writes_total %g\n", 100+1000*n)
		fmt.Fprintf(w, "kassa_sqlite_write_batches_total %g\n", 50+250*n)
		fmt.Fprintf(w, "kassa_sqlite_writer_busy_seconds_total %g\n", 1+0.5*n)
		fmt.Fprintf(w, "kassa_sqlite_write_wait_seconds_total %g\n", 2+2*n)
		fmt.Fprintf(w, "go_goroutines 12\n")
		// Before the run: 10 creates, all within 5 ms. During it: 100 more,
		// 2xx: 50 within 5 ms, 30 in (5, 10], 10 in (10, 20]; 4xx: 10 in
		// (20, 50]. And one retrieve, beyond the last finite bucket.
		fmt.Fprintf(w, "# TYPE kassa_http_request_duration_seconds histogram\n")
		requestHistogram(w, "2xx", "POST /v1/payment_intents", map[string]float64{
			"0.005": 10 + 50*n, "0.01": 10 + 80*n, "0.02": 10 + 90*n, "0.05": 10 + 90*n, "+Inf": 10 + 90*n})
		requestHistogram(w, "4xx", "POST /v1/payment_intents", map[string]float64{"0.05": 10 * n, "+Inf": 10 * n})
		requestHistogram(w, "2xx", "GET /v1/payment_intents/{id}", map[string]float64{"+Inf": n})
		requestHistogram(w, "2xx", "GET /metrics", map[string]float64{"0.005": 1 + n, "0.01": 1 + n, "0.02": 1 + n, "0.05": 1 + n, "+Inf": 1 + n})
	}))
	defer kassa.Close()
	if writer, inside := MeasureMetrics(context.Background(), kassa.Client(), kassa.URL, "")(); writer != nil || inside != nil {
		t.Fatalf("a result without the token the server asks for: %+v %v", writer, inside)
	}
	writer, inside := MeasureMetrics(context.Background(), kassa.Client(), kassa.URL, "tok")()
	if writer == nil {
		t.Fatal("no writer result from a server with the counters")
	}
	if writer.Writes != 1000 || writer.Batches != 250 || writer.WritesPerBatch != 4 ||
		math.Abs(writer.BusyPerWriteUS-500) > 1e-6 || math.Abs(writer.MeanWaitMS-2) > 1e-9 || writer.BusyFraction <= 0 {
		t.Fatalf("%+v", writer)
	}

	if len(inside) != 2 || inside["GET /metrics"] != nil {
		t.Fatalf("routes %v, want the create and the retrieve (not the generator's own /metrics)", inside)
	}
	create := inside["POST /v1/payment_intents"]
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	// p50: rank 50 of 100, the 50th within 5 ms, so 5 ms; p90: rank 90,
	// the last of (10, 20] → 20 ms; p99: rank 99 in (20, 50], the 9th of
	// its 10 → 20 + 30·9/10 = 47 ms. Within 20 ms: 90 of 100.
	if create.Count != 100 || !near(create.P50, 5) || !near(create.P90, 20) || !near(create.P99, 47) || !near(create.Within20ms, 0.9) {
		t.Errorf("create %+v", create)
	}
	if r := inside["GET /v1/payment_intents/{id}"]; r.Count != 1 || r.P99 != 50 || r.Within20ms != 0 {
		t.Errorf("a retrieve beyond the last finite bucket: %+v, want p99 reported as that bucket's 50 ms", r)
	}

	for name, h := range map[string]http.HandlerFunc{
		"no /metrics":   http.NotFound,
		"other metrics": func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "go_goroutines 12") },
		"some counters": func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "kassa_sqlite_writes_total 5") },
	} {
		t.Run(name, func(t *testing.T) {
			other := httptest.NewServer(h)
			defer other.Close()
			if writer, inside := MeasureMetrics(context.Background(), other.Client(), other.URL, "")(); writer != nil || inside != nil {
				t.Fatalf("a result from a server without the metrics: %+v %v", writer, inside)
			}
		})
	}
}
