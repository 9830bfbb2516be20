package delivery

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kassa/internal/clock"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// Metrics are the sender's Prometheus metrics.
type Metrics struct {
	outcomes *prometheus.CounterVec
	taken    *prometheus.CounterVec
	lag      prometheus.Histogram
	latency  prometheus.Histogram
}

// Outcome labels of kassa_webhook_attempts_total.
const (
	labelSucceeded = "succeeded" // the endpoint answered 2xx
	labelRetrying  = "retrying"  // failed; another attempt is scheduled
	labelFailed    = "failed"    // failed; the retry window has closed
)

// Labels of kassa_webhook_deliveries_taken_total: how a delivery reached
// the sender.
const (
	labelFromWrite  = "write"  // handed over by the write that owed it
	labelFromOutbox = "outbox" // claimed from the outbox
)

// NewMetrics registers the sender's metrics, and the outbox's depth and lag
// read from st at each scrape, with reg.
func NewMetrics(reg prometheus.Registerer, st store.Store, clk clock.Clock) *Metrics {
	m := &Metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kassa_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome: succeeded, retrying (failed, will retry), failed (failed, given up).",
		}, []string{"outcome"}),
		taken: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kassa_webhook_deliveries_taken_total",
			Help: "Webhook deliveries this sender took to send, by where from: write (handed over by the write that owed it) or outbox (claimed: retries, deliveries owed while the sender was full, a dead instance's).",
		}, []string{"from"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kassa_webhook_delivery_lag_seconds",
			Help:    "How late an attempt started after it was due.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kassa_webhook_request_duration_seconds",
			Help:    "How long endpoints took to answer.",
			Buckets: prometheus.DefBuckets,
		}),
	}
	for _, l := range []string{labelSucceeded, labelRetrying, labelFailed} {
		m.outcomes.WithLabelValues(l) // export zeros from the start
	}
	for _, l := range []string{labelFromWrite, labelFromOutbox} {
		m.taken.WithLabelValues(l)
	}
	reg.MustRegister(m.outcomes, m.taken, m.lag, m.latency, &backlogCollector{store: st, clock: clk})
	return m
}

// took counts n deliveries taken from a write or the outbox.
func (m *Metrics) took(from string, n int) {
	if m != nil && n > 0 {
		m.taken.WithLabelValues(from).Add(float64(n))
	}
}

func (m *Metrics) count(o webhooks.Outcome) {
	label := labelSucceeded
	switch o.Status {
	case webhooks.DeliveryPending:
		label = labelRetrying
	case webhooks.DeliveryFailed:
		label = labelFailed
	}
	m.outcomes.WithLabelValues(label).Inc()
	if o.Attempt.Latency > 0 {
		m.latency.Observe(o.Attempt.Latency.Seconds())
	}
}

// backlogCollector reads the outbox once per scrape.
type backlogCollector struct {
	store store.Store
	clock clock.Clock
}

var (
	depthDesc = prometheus.NewDesc("kassa_webhook_queue_depth", "Webhook deliveries still owed (pending, due or scheduled for a retry).", nil, nil)
	dueDesc   = prometheus.NewDesc("kassa_webhook_queue_due", "Webhook deliveries due now and not being sent.", nil, nil)
	oldestDue = prometheus.NewDesc("kassa_webhook_oldest_due_seconds", "How long the oldest due webhook delivery has waited (0 when none).", nil, nil)
)

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- depthDesc
	ch <- dueDesc
	ch <- oldestDue
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := c.clock.Now()
	var b store.Backlog
	err := c.store.Read(ctx, func(r store.Reader) error {
		var err error
		b, err = r.DeliveryBacklog(ctx, now)
		return err
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(depthDesc, err)
		return
	}
	wait := 0.0
	if !b.OldestDue.IsZero() {
		wait = now.Sub(b.OldestDue).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(b.Pending))
	ch <- prometheus.MustNewConstMetric(dueDesc, prometheus.GaugeValue, float64(b.Due))
	ch <- prometheus.MustNewConstMetric(oldestDue, prometheus.GaugeValue, wait)
}
