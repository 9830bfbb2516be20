package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"kassa/internal/store"
)

// maxBatch bounds how many writes share one commit.
const maxBatch = 64

// The committer waits up to lingerFor for a batch of lingerUpTo writes
// while writes come concurrently (lingerForWrites).
const (
	lingerUpTo = 8
	lingerFor  = 500 * time.Microsecond
)

// A write moves from queued to taken (the committer runs it) or to
// abandoned (its caller stopped waiting first); never both.
const (
	queued int32 = iota
	taken
	abandoned
)

// write is one Write call waiting for the committer.
type write struct {
	ctx    context.Context
	fn     func(store.Tx) error
	queued time.Time
	state  atomic.Int32
	done   chan error // buffered: the committer never waits for a caller
	// finally holds fn's Tx.Finally callbacks; the caller runs them once
	// done has answered (the channel orders the committer's writes to it
	// before the caller's reads).
	finally store.Finally
}

// outcome runs the write's Finally callbacks with its answer err.
func (w *write) outcome(err error) error {
	w.finally.Run(err == nil)
	return repanic(err)
}

// errClosed answers writes that arrive while the store closes.
var errClosed = errors.New("sqlite: store closed")

// Write runs fn in a write transaction on the single writer connection.
// Holding SQLite's write lock for the whole transaction is the guard that
// makes load-check-save sequences atomic. Only the wait for the writer is
// bounded by lockWait; the transaction itself lives as long as ctx.
//
// Writes that queue up while one commits share the next commit (group
// commit): each runs inside its own savepoint, so a write that fails rolls
// back alone, and Write returns only after the commit that made its
// changes durable. SQLite's cost per commit (writing the changed pages to
// the WAL) is then paid once for many writes.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) error {
	w := &write{ctx: ctx, fn: fn, queued: time.Now(), done: make(chan error, 1)}
	wait := time.NewTimer(s.lockWait)
	defer wait.Stop()
	select {
	case s.writes <- w:
	case <-wait.C:
		return fmt.Errorf("%w: no room in the write queue", store.ErrLockTimeout)
	case <-ctx.Done():
		return translate(ctx.Err(), ctx)
	case <-s.quit:
		return errClosed
	}
	select {
	case err := <-w.done:
		return w.outcome(err)
	case <-wait.C:
	case <-ctx.Done():
	}
	if w.state.CompareAndSwap(queued, abandoned) {
		if err := ctx.Err(); err != nil {
			return translate(err, ctx)
		}
		return fmt.Errorf("%w: waited %v for the writer", store.ErrLockTimeout, s.lockWait)
	}
	return w.outcome(<-w.done) // it runs already: its outcome is the answer
}

// commitLoop runs queued writes until the store closes, a batch at a time:
// whatever queued while the previous batch ran, up to maxBatch, and while
// writes come concurrently, those arriving a moment later
// (lingerForWrites).
func (s *Store) commitLoop() {
	defer close(s.stopped)
	batch := make([]*write, 0, maxBatch)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	previous := 0 // writes in the previous batch
	for {
		batch = batch[:0]
		idle := time.Now()
		select {
		case w := <-s.writes:
			batch = append(batch, w)
		case <-s.quit:
			s.failQueued()
			return
		}
		s.fill(&batch, maxBatch)
		if previous > 1 && len(batch) < s.lingerUpTo && time.Since(idle) < s.lingerFor {
			s.lingerForWrites(&batch, linger)
		}
		previous = len(batch)
		s.commitBatch(batch)
		if s.restartDue() {
			s.restartWAL()
		}
	}
}

// fill adds the writes queued now to batch, up to n in all.
func (s *Store) fill(batch *[]*write, n int) {
	for len(*batch) < n {
		select {
		case w := <-s.writes:
			*batch = append(*batch, w)
		default:
			return
		}
	}
}

// lingerForWrites waits up to lingerFor for more writes to join batch,
// until it holds lingerUpTo. A commit costs the writer about as much as
// two writes (a WAL frame per B-tree it changed, however many writes
// changed it), so under a steady load several writes sharing one commit
// leave the writer more spare time than the wait costs them. The
// committer lingers only while writes come concurrently (the previous
// batch had several, and this one's first came without a long pause), so
// a lone write on a quiet instance commits at once.
func (s *Store) lingerForWrites(batch *[]*write, timer *time.Timer) {
	timer.Reset(s.lingerFor)
	defer timer.Stop()
	for len(*batch) < s.lingerUpTo {
		select {
		case w := <-s.writes:
			*batch = append(*batch, w)
			s.fill(batch, s.lingerUpTo)
		case <-timer.C:
			return
		case <-s.quit:
			return
		}
	}
}

func (s *Store) failQueued() {
	for {
		select {
		case w := <-s.writes:
			if w.state.CompareAndSwap(queued, taken) {
				w.done <- errClosed
			}
		default:
			return
		}
	}
}

// commitBatch runs the batch's writes in one transaction and answers each.
func (s *Store) commitBatch(batch []*write) {
	live := make([]*write, 0, len(batch))
	for _, w := range batch {
		if !w.state.CompareAndSwap(queued, taken) {
			continue // its caller gave up waiting
		}
		if err := w.ctx.Err(); err != nil {
			w.done <- translate(err, w.ctx)
			continue
		}
		live = append(live, w)
	}
	if len(live) == 0 {
		return
	}
	start := time.Now()
	var waited time.Duration
	for _, w := range live {
		waited += start.Sub(w.queued)
	}
	ctx := context.Background()
	results := make([]error, len(live))
	// Runs once the connection is back in the pool, where it can prepare.
	defer s.writerStmts.prepareNoted(ctx)
	var commit time.Duration
	err := s.inTransaction(ctx, live, results, &commit)
	took := time.Since(start)
	// Counted before any caller hears back, so what a caller then reads
	// of the counters includes its write.
	s.writerCounters.count(len(live), waited, took)
	if took > s.slowBatch {
		// Before the answers too: a caller that then reads the log finds it.
		s.warnSlow(len(live), took, commit)
	}
	for i, w := range live {
		if err != nil && results[i] == nil {
			results[i] = err
		}
		w.done <- results[i]
	}
}

// inTransaction runs live in one transaction, filling results with each
// write's own error; it returns an error that fails every write that
// succeeded on its own (the transaction did not commit).
func (s *Store) inTransaction(ctx context.Context, live []*write, results []error, commit *time.Duration) error {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return translate(err, ctx)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, ctx)
	}
	p := writerTx(tx, s.writerStmts)
	t := &txn{reader: reader{q: p}, tx: p}
	if len(live) == 1 {
		// Alone, a write needs no savepoint: its failure rolls back all.
		if results[0] = run(live[0], t); results[0] != nil {
			tx.Rollback()
			return nil
		}
	} else {
		committed := 0
		for i, w := range live {
			if _, err := p.ExecContext(ctx, `SAVEPOINT write`); err != nil {
				tx.Rollback()
				return err
			}
			results[i] = run(w, t)
			if results[i] != nil {
				// An error SQLite answers by rolling back the whole
				// transaction (an interrupted statement, a full disk)
				// leaves no savepoint: then nothing of the batch stays.
				if _, err := p.ExecContext(ctx, `ROLLBACK TO write`); err != nil {
					tx.Rollback()
					return fmt.Errorf("%w: a write sharing the transaction failed it: %v", store.ErrLockTimeout, err)
				}
				t.endpoints = nil // it may have read what it rolled back
			} else {
				committed++
			}
			if _, err := p.ExecContext(ctx, `RELEASE write`); err != nil {
				tx.Rollback()
				return fmt.Errorf("%w: a write sharing the transaction failed it: %v", store.ErrLockTimeout, err)
			}
		}
		if committed == 0 {
			tx.Rollback()
			return nil
		}
	}
	committing := time.Now()
	err = tx.Commit()
	*commit = time.Since(committing)
	if err != nil {
		return translate(err, ctx)
	}
	s.commits.Add(1)
	return nil
}

// panicked carries a write's panic to its caller's goroutine, where it
// would have happened without the committer.
type panicked struct {
	value any
	stack []byte
}

func (p *panicked) Error() string { return fmt.Sprintf("panic in a write: %v\n%s", p.value, p.stack) }

func run(w *write, t *txn) (err error) {
	t.finally = &w.finally
	defer func() {
		if v := recover(); v != nil {
			err = &panicked{value: v, stack: debug.Stack()}
		}
	}()
	return w.fn(t)
}

func repanic(err error) error {
	var p *panicked
	if errors.As(err, &p) {
		panic(p)
	}
	return err
}
