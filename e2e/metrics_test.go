package e2e

import (
	"net/http"
	"strings"
	"testing"

	"kassa/internal/loadgen"
	"kassa/internal/store/sqlite"
	"kassa/internal/store/testdb"
)

// On SQLite, /metrics shows the single writer's work: read the way
// `kassa bench` reads it, which needs all four counters.
func TestSQLiteWriterMetrics(t *testing.T) {
	k := start(t)
	if _, ok := k.App.Store.(*sqlite.Store); !ok {
		t.Skip("the writer metrics are SQLite's")
	}
	stop := loadgen.MeasureMetrics(ctx, http.DefaultClient, k.URL, "")
	for range 3 {
		if r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=100&currency=eur"); r.Status != 200 {
			t.Fatal(r.Raw)
		}
	}
	w, _ := stop()
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

// With a metrics token, /metrics answers only requests that bear it; the
// API does not take it, and bench reads the writer's counters with it.
func TestMetricsToken(t *testing.T) {
	db := testdb.DSN(t)
	p := runKassa(t, db, "--metrics-token", "m3trics-t0ken")
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + p.key("sk")} {
		if status, body := getMetrics(t, p.URL, auth); status != http.StatusUnauthorized || strings.Contains(body, "go_goroutines") {
			t.Errorf("%q: %d %.80s", auth, status, body)
		}
	}
	if status, body := getMetrics(t, p.URL, "Bearer m3trics-t0ken"); status != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("with the token: %d %.80s", status, body)
	}
	if _, err := stripeClient(p.URL, "m3trics-t0ken").V1PaymentIntents.Create(ctx, sofortParams()); err == nil {
		t.Error("the metrics token was taken as an API key")
	}
	if testdb.Postgres() {
		return // the writer's counters are SQLite's
	}
	for token, counted := range map[string]bool{"": false, "m3trics-t0ken": true} {
		stop := loadgen.MeasureMetrics(ctx, http.DefaultClient, p.URL, token)
		if _, err := stripeClient(p.URL, p.key("sk")).V1PaymentIntents.Create(ctx, sofortParams()); err != nil {
			t.Fatal(err)
		}
		if w, _ := stop(); (w != nil) != counted {
			t.Errorf("bench with token %q: writer counters %+v", token, w)
		}
	}
}

// /metrics times requests inside Kassa by the route they matched.
func TestRequestDurationMetrics(t *testing.T) {
	k := start(t)
	for range 2 {
		if r := k.call("POST", "/v1/payment_intents", k.Keys.SecretKey, "amount=100&currency=eur"); r.Status != 200 {
			t.Fatal(r.Raw)
		}
	}
	if r := k.call("GET", "/v1/payment_intents/pi_nowhere", k.Keys.SecretKey, ""); r.Status != 404 {
		t.Fatal(r.Raw)
	}
	body := metricsAt(t, k.URL)
	for _, want := range []string{
		`kassa_http_request_duration_seconds_count{code="2xx",route="POST /v1/payment_intents"} 2`,
		`kassa_http_request_duration_seconds_count{code="4xx",route="GET /v1/payment_intents/{id}"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
