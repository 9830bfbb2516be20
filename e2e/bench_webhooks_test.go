package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"kassa/internal/ids"
	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// lagReceiver notes when each event first arrived.
type lagReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	arrived map[string]time.Time
	all     chan struct{}
	want    int
}

func newLagReceiver(b *testing.B, want int) *lagReceiver {
	r := &lagReceiver{arrived: map[string]time.Time{}, all: make(chan struct{}), want: want}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var head struct{ ID string }
		json.Unmarshal(body, &head)
		now := time.Now()
		r.mu.Lock()
		if _, seen := r.arrived[head.ID]; !seen {
			r.arrived[head.ID] = now
			if len(r.arrived) == r.want {
				close(r.all)
			}
		}
		r.mu.Unlock()
	}))
	b.Cleanup(r.Close)
	return r
}

// emit commits n events, each in its own transaction with its delivery (due
// after delay), as a payment's state change does, and notes when each was
// committed.
func emit(b *testing.B, k *kassa, endpointID string, n int, delay time.Duration, committed map[string]time.Time, mu *sync.Mutex) {
	ctx := context.Background()
	pi := &payments.PaymentIntent{ID: "pi_bench", AccountID: k.Keys.ID, Amount: 2000, Currency: "eur", Status: payments.Succeeded, Created: t0}
	for range n {
		now := k.Clock.Now()
		e := &store.Event{ID: ids.New(ids.Event), AccountID: k.Keys.ID, Type: payments.EventIntentSucceeded,
			APIVersion: "2025-08-27.basil", Created: now, Object: pi}
		err := k.App.Store.Write(ctx, func(tx store.Tx) error {
			if err := tx.InsertEvents(ctx, []*store.Event{e}); err != nil {
				return err
			}
			return tx.InsertDeliveries(ctx, []*webhooks.Delivery{{ID: ids.New(ids.Delivery), AccountID: k.Keys.ID,
				EndpointID: endpointID, EventID: e.ID, Status: webhooks.DeliveryPending, NextAttemptAt: now.Add(delay), Created: now}})
		})
		if err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		committed[e.ID] = time.Now()
		mu.Unlock()
	}
}

func reportLag(b *testing.B, r *lagReceiver, committed map[string]time.Time) {
	var lags []time.Duration
	for id, at := range r.arrived {
		lags = append(lags, at.Sub(committed[id]))
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-lag-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-lag-ms")
}

// BenchmarkWebhookDrain measures how fast a backlog of b.N committed
// events is delivered to one local receiver (in-process Kassa, SQLite).
func BenchmarkWebhookDrain(b *testing.B) {
	k := start(b)
	r := newLagReceiver(b, b.N)
	we := k.createEndpoint(r.URL, "*")
	committed := map[string]time.Time{}
	var mu sync.Mutex
	emit(b, k, we.ID, b.N, time.Hour, committed, &mu) // due in an hour (on the manual clock)
	b.ResetTimer()
	k.Clock.Advance(time.Hour)
	select {
	case <-r.all:
	case <-time.After(5 * time.Minute):
		b.Fatalf("delivered %d of %d", len(r.arrived), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkWebhookLag commits events one transaction at a time at a steady
// rate and measures the time from commit to arrival at the receiver.
func BenchmarkWebhookLag(b *testing.B) {
	for _, rate := range []int{200, 500, 1000} {
		b.Run(fmt.Sprintf("rate=%d/s", rate), func(b *testing.B) {
			k := start(b)
			r := newLagReceiver(b, b.N)
			we := k.createEndpoint(r.URL, "*")
			committed := map[string]time.Time{}
			var mu sync.Mutex
			b.ResetTimer()
			tick := time.NewTicker(time.Second / time.Duration(rate))
			defer tick.Stop()
			for range b.N {
				<-tick.C
				emit(b, k, we.ID, 1, 0, committed, &mu)
			}
			select {
			case <-r.all:
			case <-time.After(5 * time.Minute):
				b.Fatalf("delivered %d of %d", len(r.arrived), b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			reportLag(b, r, committed)
		})
	}
}

// BenchmarkWebhookBurst commits b.N events from 8 concurrent writers (one
// transaction per event) while the sender delivers them: the commit rate
// shows what delivery costs the single SQLite writer, the lag what a burst
// costs the receiver.
func BenchmarkWebhookBurst(b *testing.B) {
	k := start(b)
	r := newLagReceiver(b, b.N)
	we := k.createEndpoint(r.URL, "*")
	committed := map[string]time.Time{}
	var mu sync.Mutex
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			emit(b, k, we.ID, b.N/8+min(1, max(0, b.N%8-w)), 0, committed, &mu)
		}()
	}
	wg.Wait()
	commits := b.Elapsed()
	select {
	case <-r.all:
	case <-time.After(5 * time.Minute):
		b.Fatalf("delivered %d of %d", len(r.arrived), b.N)
	}
	b.ReportMetric(float64(b.N)/commits.Seconds(), "commits/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	reportLag(b, r, committed)
}
