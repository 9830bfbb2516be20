package loadgen

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// scrape is one reading of a target's /metrics (Prometheus text format):
// every sample's value by its series, the name with its labels as written.
type scrape struct {
	at      time.Time
	samples map[string]float64
}

// readMetrics scrapes baseURL/metrics; ok is false if the target has none
// or refuses them. token is the target's metrics token, if it asks for one.
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
	s = scrape{at: time.Now(), samples: map[string]float64{}}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		line := lines.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		// Label values may hold spaces ("POST /v1/…"): the value is after the last one.
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return s, false
		}
		s.samples[line[:i]] = v
	}
	return s, lines.Err() == nil
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
