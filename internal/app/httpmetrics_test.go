package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestMeasureRequestsByRouteAndStatusClass(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/payment_intents/{id}/confirm", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * time.Millisecond)
		w.WriteHeader(http.StatusPaymentRequired)
	})
	mux.HandleFunc("GET /v1/payment_intents/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("{}")) // 200 without WriteHeader
	})
	registry := prometheus.NewRegistry()
	h := measureRequests(registry, mux)
	for _, target := range []string{"POST /v1/payment_intents/pi_1/confirm", "POST /v1/payment_intents/pi_2/confirm",
		"GET /v1/payment_intents/pi_1", "GET /nowhere"} {
		method, path, _ := strings.Cut(target, " ")
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
	}

	families, err := registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	type observed struct {
		count uint64
		sum   float64
	}
	got := map[string]observed{}
	for _, f := range families {
		if f.GetName() != "kassa_http_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[labels["route"]+" "+labels["code"]] = observed{m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()}
		}
	}
	want := map[string]uint64{
		"POST /v1/payment_intents/{id}/confirm 4xx": 2,
		"GET /v1/payment_intents/{id} 2xx":          1,
		"unmatched 4xx":                             1,
	}
	if len(got) != len(want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	for series, n := range want {
		if got[series].count != n {
			t.Errorf("%s: %d observations, want %d (all: %v)", series, got[series].count, n, got)
		}
	}
	if s := got["POST /v1/payment_intents/{id}/confirm 4xx"].sum; s < 0.006 {
		t.Errorf("two 3 ms requests observed as %.4f s in all", s)
	}
}
