package loadgen

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

const (
	writerBusy    = "kassa_sqlite_writer_busy_seconds_total"
	writerWait    = "kassa_sqlite_write_wait_seconds_total"
	writerWrites  = "kassa_sqlite_writes_total"
	writerBatches = "kassa_sqlite_write_batches_total"
)

// writerChange is what the writer's counters say of the time between two
// scrapes, or nil unless both have all four.
func writerChange(before, after scrape) *WriterResult {
	change := map[string]float64{}
	for _, name := range []string{writerBusy, writerWait, writerWrites, writerBatches} {
		was, ok := before.value(name)
		now, okNow := after.value(name)
		if !ok || !okNow {
			return nil
		}
		change[name] = now - was
	}
	res := &WriterResult{Writes: int64(change[writerWrites]), Batches: int64(change[writerBatches])}
	busy := change[writerBusy]
	if elapsed := after.at.Sub(before.at).Seconds(); elapsed > 0 {
		res.BusyFraction = busy / elapsed
	}
	if res.Batches > 0 {
		res.WritesPerBatch = float64(res.Writes) / float64(res.Batches)
	}
	if res.Writes > 0 {
		res.BusyPerWriteUS = busy / float64(res.Writes) * 1e6
		res.MeanWaitMS = change[writerWait] / float64(res.Writes) * 1e3
	}
	return res
}
