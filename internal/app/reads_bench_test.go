package app_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"kassa/internal/app"
	"kassa/internal/gateway"
)

// BenchmarkIntentReads measures, one request at a time through Kassa's
// handler, the latency of retrieving a random payment intent, of the
// first list page and of a list page after a random intent: the reads
// that must stay flat from 10,000 to 1,000,000 stored intents
// (docs/benchmarks.md). KASSA_BENCH_DB names a database seeded with
// `kassa seed` and KASSA_BENCH_KEY the seeded account's secret key;
// without them it seeds KASSA_BENCH_INTENTS (default 10,000) into a
// fresh SQLite file. Besides ns/op it reports p50 and p99 in µs.
func BenchmarkIntentReads(b *testing.B) {
	ctx := context.Background()
	key := make([]byte, 32)
	rand.Read(key)
	db, secret := os.Getenv("KASSA_BENCH_DB"), os.Getenv("KASSA_BENCH_KEY")
	fresh := db == ""
	if fresh {
		db = filepath.Join(b.TempDir(), "bench.db")
	}
	a, err := app.New(ctx, app.Config{DB: db, SecretsKey: key, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if fresh {
		n := 10_000
		if v := os.Getenv("KASSA_BENCH_INTENTS"); v != "" {
			if n, err = strconv.Atoi(v); err != nil {
				b.Fatal(err)
			}
		}
		keys, err := a.Gateway.CreateAccount(ctx, "Bench Shop")
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Gateway.SeedIntents(ctx, keys.ID, gateway.SeedOptions{Intents: n}); err != nil {
			b.Fatal(err)
		}
		secret = keys.SecretKey
	}
	get := func(path string) []byte {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	// Every id, by walking the list: retrieves and cursors pick among all.
	var ids []string
	for after := ""; ; {
		path := "/v1/payment_intents?limit=100"
		if after != "" {
			path += "&starting_after=" + after
		}
		var page struct {
			Data    []struct{ ID string }
			HasMore bool `json:"has_more"`
		}
		if err := json.Unmarshal(get(path), &page); err != nil {
			b.Fatal(err)
		}
		for _, pi := range page.Data {
			ids = append(ids, pi.ID)
		}
		if !page.HasMore || len(page.Data) == 0 {
			break
		}
		after = ids[len(ids)-1]
	}
	b.Logf("%d intents stored", len(ids))
	random := func() string { return ids[mrand.IntN(len(ids))] }
	for _, op := range []struct {
		name string
		path func() string
	}{
		{"retrieve", func() string { return "/v1/payment_intents/" + random() }},
		{"list", func() string { return "/v1/payment_intents?limit=10" }},
		{"list_after", func() string { return "/v1/payment_intents?limit=10&starting_after=" + random() }},
	} {
		b.Run(op.name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				path := op.path()
				start := time.Now()
				get(path)
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) }
			b.ReportMetric(at(0.50), "p50-µs")
			b.ReportMetric(at(0.99), "p99-µs")
		})
	}
}
