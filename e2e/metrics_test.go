package e2e

import (
	"regexp"
	"strconv"
	"testing"

	"kassa/internal/store/sqlite"
)

// On SQLite, /metrics shows the single writer's work.
func TestSQLiteWriterMetrics(t *testing.T) {
	k := start(t)
	if _, ok := k.App.Store.(*sqlite.Store); !ok {
		t.Skip("the writer metrics are SQLite's")
	}
	value := func(name string) float64 {
		m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindStringSubmatch(k.metrics(t))
		if m == nil {
			t.Fatalf("/metrics has no %s", name)
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	writes, busy := value("kassa_sqlite_writes_total"), value("kassa_sqlite_writer_busy_seconds_total")
	for range 3 {
		if r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=100&currency=eur"); r.Status != 200 {
			t.Fatal(r.Raw)
		}
	}
	if got := value("kassa_sqlite_writes_total") - writes; got < 3 {
		t.Errorf("%v more writes after three creates", got)
	}
	if value("kassa_sqlite_writer_busy_seconds_total") <= busy {
		t.Error("the writer's busy time did not grow")
	}
	if value("kassa_sqlite_write_batches_total") < 1 {
		t.Error("no batches")
	}
	value("kassa_sqlite_write_wait_seconds_total")
}
