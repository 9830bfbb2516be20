package app

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// requestDurationBuckets reach from a read served from memory to a write
// that waited out a full queue.
var requestDurationBuckets = []float64{.0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 10}

// measureRequests observes how long each request took inside Kassa, by the
// route it matched and its status class. Compared with what clients see,
// it tells time spent in Kassa from time spent reaching it.
func measureRequests(registry prometheus.Registerer, next http.Handler) http.Handler {
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kassa_http_request_duration_seconds",
		Help:    "Time from routing a request to its handler's return, by route (the pattern it matched, or \"unmatched\") and status class (2xx, 4xx, ...).",
		Buckets: requestDurationBuckets,
	}, []string{"route", "code"})
	registry.MustRegister(durations)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern // set by the mux on this very request
		if route == "" {
			route = "unmatched"
		}
		durations.WithLabelValues(route, statusClass(sw.status)).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wroteHeader && status >= 200 {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func statusClass(status int) string {
	return strconv.Itoa(status/100) + "xx"
}
