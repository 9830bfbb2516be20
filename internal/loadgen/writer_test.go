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

func TestMeasureWriter(t *testing.T) {
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
	}))
	defer kassa.Close()
	if res := MeasureWriter(context.Background(), kassa.Client(), kassa.URL, "")(); res != nil {
		t.Fatalf("a result without the token the server asks for: %+v", res)
	}
	res := MeasureWriter(context.Background(), kassa.Client(), kassa.URL, "tok")()
	if res == nil {
		t.Fatal("no result from a server with the counters")
	}
	if res.Writes != 1000 || res.Batches != 250 || res.WritesPerBatch != 4 ||
		math.Abs(res.BusyPerWriteUS-500) > 1e-6 || math.Abs(res.MeanWaitMS-2) > 1e-9 || res.BusyFraction <= 0 {
		t.Fatalf("%+v", res)
	}

	for name, h := range map[string]http.HandlerFunc{
		"no /metrics":   http.NotFound,
		"other metrics": func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "go_goroutines 12") },
		"some counters": func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "kassa_sqlite_writes_total 5") },
	} {
		t.Run(name, func(t *testing.T) {
			other := httptest.NewServer(h)
			defer other.Close()
			if res := MeasureWriter(context.Background(), other.Client(), other.URL, "")(); res != nil {
				t.Fatalf("a result from a server without the counters: %+v", res)
			}
		})
	}
}
