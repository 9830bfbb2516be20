package e2e

import (
	"net/http"
	"testing"

	"kassa/internal/loadgen"
	"kassa/internal/store/sqlite"
)

// On SQLite, /metrics shows the single writer's work: read the way
// `kassa bench` reads it, which needs all four counters.
func TestSQLiteWriterMetrics(t *testing.T) {
	k := start(t)
	if _, ok := k.App.Store.(*sqlite.Store); !ok {
		t.Skip("the writer metrics are SQLite's")
	}
	stop := loadgen.MeasureWriter(ctx, http.DefaultClient, k.URL)
	for range 3 {
		if r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=100&currency=eur"); r.Status != 200 {
			t.Fatal(r.Raw)
		}
	}
	w := stop()
	switch {
	case w == nil:
		t.Fatal("/metrics lacks the writer's counters")
	case w.Writes < 3:
		t.Errorf("%d more writes after three creates", w.Writes)
	case w.Batches < 1 || w.Batches > w.Writes:
		t.Errorf("%d batches for %d writes", w.Batches, w.Writes)
	case w.BusyPerWriteUS <= 0:
		t.Error("the writer's busy time did not grow")
	}
}
