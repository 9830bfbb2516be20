package app

import (
	"crypto/subtle"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"kassa/internal/store"
	"kassa/internal/store/sqlite"
)

// registerStoreMetrics exposes the SQLite writer's counters: its busy
// rate is how close the single writer is to its ceiling. PostgreSQL has
// no such writer (its own statistics views tell its load).
func registerStoreMetrics(registry *prometheus.Registry, st store.Store) {
	w, ok := st.(interface{ WriterStats() sqlite.WriterStats })
	if !ok {
		return
	}
	counter := func(name, help string, value func(sqlite.WriterStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return value(w.WriterStats()) })
	}
	registry.MustRegister(
		counter("kassa_sqlite_write_batches_total", "Transactions run by the single SQLite writer, each a group of writes sharing one commit.",
			func(s sqlite.WriterStats) float64 { return float64(s.Batches) }),
		counter("kassa_sqlite_writes_total", "Writes run by the single SQLite writer.",
			func(s sqlite.WriterStats) float64 { return float64(s.Writes) }),
		counter("kassa_sqlite_writer_busy_seconds_total", "Time the single SQLite writer spent running and committing writes; its rate is the writer's utilization (1 is saturated).",
			func(s sqlite.WriterStats) float64 { return s.Busy.Seconds() }),
		counter("kassa_sqlite_write_wait_seconds_total", "Time writes waited for the single SQLite writer, summed; divided by the writes, their average wait.",
			func(s sqlite.WriterStats) float64 { return s.Waited.Seconds() }),
		counter("kassa_sqlite_wal_restarts_total", "Times the SQLite writer started the WAL file over from its beginning, after it reached --sqlite-wal-restart-mb.",
			func(s sqlite.WriterStats) float64 { return float64(s.WALRestarts) }),
	)
}

// requireToken lets through only requests that bear token (when it is
// set), compared in constant time. Metrics name no merchant, but they tell
// whoever reads them how many payments and webhooks the instance handles.
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kassa metrics"`)
			http.Error(w, "/metrics needs the metrics token: Authorization: Bearer <KASSA_METRICS_TOKEN>", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
