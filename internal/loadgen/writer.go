package loadgen

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WriterResult is what a Kassa server on SQLite told of its single writer
// over the run, from the counters on its /metrics: whether the writer was
// the limit. Other servers have no such counters and leave it out.
type WriterResult struct {
	BusyFraction   float64 `json:"busy_fraction"` // of the run's wall clock
	Writes         int64   `json:"writes"`
	Batches        int64   `json:"batches"` // commits
	WritesPerBatch float64 `json:"writes_per_batch"`
	BusyPerWriteUS float64 `json:"busy_per_write_us"`
	MeanWaitMS     float64 `json:"mean_wait_ms"` // in the writer's queue
}

type writerCounters struct {
	at                          time.Time
	busy, wait, writes, batches float64
}

var writerMetrics = map[string]func(*writerCounters) *float64{
	"kassa_sqlite_writer_busy_seconds_total": func(c *writerCounters) *float64 { return &c.busy },
	"kassa_sqlite_write_wait_seconds_total":  func(c *writerCounters) *float64 { return &c.wait },
	"kassa_sqlite_writes_total":              func(c *writerCounters) *float64 { return &c.writes },
	"kassa_sqlite_write_batches_total":       func(c *writerCounters) *float64 { return &c.batches },
}

// MeasureWriter reads the target's writer counters now; stop reads them
// again and returns what changed, or nil if the target has none (or
// refuses them). token is the target's metrics token, if it asks for one.
func MeasureWriter(ctx context.Context, client *http.Client, baseURL, token string) (stop func() *WriterResult) {
	before, ok := readWriterCounters(ctx, client, baseURL, token)
	return func() *WriterResult {
		after, okAfter := readWriterCounters(ctx, client, baseURL, token)
		if !ok || !okAfter {
			return nil
		}
		res := &WriterResult{
			Writes:  int64(after.writes - before.writes),
			Batches: int64(after.batches - before.batches),
		}
		if elapsed := after.at.Sub(before.at).Seconds(); elapsed > 0 {
			res.BusyFraction = (after.busy - before.busy) / elapsed
		}
		if res.Batches > 0 {
			res.WritesPerBatch = float64(res.Writes) / float64(res.Batches)
		}
		if res.Writes > 0 {
			res.BusyPerWriteUS = (after.busy - before.busy) / float64(res.Writes) * 1e6
			res.MeanWaitMS = (after.wait - before.wait) / float64(res.Writes) * 1e3
		}
		return res
	}
}

// readWriterCounters scrapes baseURL/metrics (Prometheus text format); ok
// is false unless all four counters are there.
func readWriterCounters(ctx context.Context, client *http.Client, baseURL, token string) (c writerCounters, ok bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(baseURL, "/")+"/metrics", nil)
	if err != nil {
		return c, false
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return c, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c, false
	}
	c.at = time.Now()
	found := 0
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		name, value, _ := strings.Cut(lines.Text(), " ")
		field, wanted := writerMetrics[name]
		if !wanted {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return c, false
		}
		*field(&c) = v
		found++
	}
	return c, lines.Err() == nil && found == len(writerMetrics)
}
