package sqlite

import (
	"sync/atomic"
	"time"
)

// WriterStats count the single writer's work since the store opened. The
// rate of Busy is the writer's utilization: near one second per second,
// writes queue and their wait grows.
type WriterStats struct {
	// Batches are the transactions the writer ran, each a group of writes
	// sharing one commit; Writes the Write calls run in them.
	Batches, Writes int64
	// Busy is the time spent running and committing batches.
	Busy time.Duration
	// Waited sums the time writes waited in the queue for the writer.
	Waited time.Duration
}

type writerCounters struct {
	batches, writes, busyNanos, waitNanos atomic.Int64
}

// WriterStats returns the writer's counters so far.
func (s *Store) WriterStats() WriterStats {
	c := &s.writerCounters
	return WriterStats{
		Batches: c.batches.Load(),
		Writes:  c.writes.Load(),
		Busy:    time.Duration(c.busyNanos.Load()),
		Waited:  time.Duration(c.waitNanos.Load()),
	}
}

// count records a batch of n writes that started at start, after waiting
// waited in all, and ran until now.
func (c *writerCounters) count(n int, waited time.Duration, start time.Time) {
	c.batches.Add(1)
	c.writes.Add(int64(n))
	c.waitNanos.Add(int64(waited))
	c.busyNanos.Add(int64(time.Since(start)))
}
