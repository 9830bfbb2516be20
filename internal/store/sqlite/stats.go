package sqlite

import (
	"os"
	"sync/atomic"
	"time"
)

// slowBatch is how long a batch may hold the writer before it is logged
// (Store.slowBatch, shorter in tests): every write queued behind it waited
// as long.
const slowBatch = time.Second

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
	// WALRestarts count the times the writer started the WAL over.
	WALRestarts int64
}

type writerCounters struct {
	batches, writes, busyNanos, waitNanos atomic.Int64
}

// WriterStats returns the writer's counters so far.
func (s *Store) WriterStats() WriterStats {
	c := &s.writerCounters
	return WriterStats{
		Batches:     c.batches.Load(),
		Writes:      c.writes.Load(),
		Busy:        time.Duration(c.busyNanos.Load()),
		Waited:      time.Duration(c.waitNanos.Load()),
		WALRestarts: s.restarts.Load(),
	}
}

// count records a batch of n writes that had waited waited in all and
// then took took.
func (c *writerCounters) count(n int, waited, took time.Duration) {
	c.batches.Add(1)
	c.writes.Add(int64(n))
	c.waitNanos.Add(int64(waited))
	c.busyNanos.Add(int64(took))
}

// warnSlow logs a batch that held the writer for took, commit included,
// with the WAL's size then: a commit that also checkpoints a long WAL
// into a large file is the usual suspect.
func (s *Store) warnSlow(writes int, took, commit time.Duration) {
	var walBytes int64
	if fi, err := os.Stat(s.walPath); err == nil {
		walBytes = fi.Size()
	}
	s.logger.Warn("sqlite: a write batch held the single writer", "writes", writes, "took", took,
		"commit", commit, "wal_bytes", walBytes, "checkpointed_frames", s.checkpointed.Load())
}
