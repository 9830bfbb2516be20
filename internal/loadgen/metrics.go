package loadgen

import (
	"context"
	"net/http"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape is one reading of a target's /metrics: its metric families by name.
type scrape struct {
	at       time.Time
	families map[string]*dto.MetricFamily
}

// readMetrics scrapes baseURL/metrics (Prometheus's text format); ok is
// false if the target has none or refuses them. token is the target's
// metrics token, if it asks for one.
func readMetrics(ctx context.Context, client *http.Client, baseURL, token string) (s scrape, ok bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(baseURL, "/")+"/metrics", nil)
	if err != nil {
		return s, false
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return s, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, false
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return s, false
	}
	return scrape{at: time.Now(), families: families}, true
}

// value is the one sample of a counter, gauge or untyped metric; ok is
// false if the scrape lacks it.
func (s scrape) value(name string) (v float64, ok bool) {
	f := s.families[name]
	if f == nil || len(f.GetMetric()) != 1 {
		return 0, false
	}
	m := f.GetMetric()[0]
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue(), true
	case m.Gauge != nil:
		return m.GetGauge().GetValue(), true
	case m.Untyped != nil:
		return m.GetUntyped().GetValue(), true
	}
	return 0, false
}

// MeasureMetrics reads the target's /metrics now; stop reads them again
// and returns what changed over the run: the SQLite writer's counters and
// the time requests spent inside the target by route, each nil where the
// target has no such metrics.
func MeasureMetrics(ctx context.Context, client *http.Client, baseURL, token string) (stop func() (*WriterResult, map[string]*InsideResult)) {
	before, ok := readMetrics(ctx, client, baseURL, token)
	return func() (*WriterResult, map[string]*InsideResult) {
		after, okAfter := readMetrics(ctx, client, baseURL, token)
		if !ok || !okAfter {
			return nil, nil
		}
		return writerChange(before, after), insideChange(before, after)
	}
}
