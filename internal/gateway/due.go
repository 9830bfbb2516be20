package gateway

import (
	"context"
	"sync"

	"kassa/internal/store"
)

// dueBatch is how many due items one read finds; dueWorkers how many are
// settled at once, so their writes share group commits (SQLite) or run
// side by side (PostgreSQL) instead of each waiting for the last.
const (
	dueBatch   = 100
	dueWorkers = 16
)

// drainDue settles everything due now: it reads due items a batch at a
// time and settles each in its own write, until a batch is short. It also
// stops when a full batch settled nothing: what a read finds due but its
// write finds not (moved on meanwhile) would be read again. settle reports
// whether it changed anything.
func drainDue[R any](ctx context.Context, read func(limit int) ([]R, error), settle func(R) (bool, error)) (int, error) {
	total := 0
	for {
		due, err := read(dueBatch)
		if err != nil {
			return total, err
		}
		n, err := settleAll(due, settle)
		total += n
		if err != nil || len(due) < dueBatch || n == 0 || ctx.Err() != nil {
			if err == nil {
				err = ctx.Err()
			}
			return total, err
		}
	}
}

// readDue makes drainDue's read: find in a read transaction of st.
func readDue[R any](ctx context.Context, st store.Store, find func(r store.Reader, limit int) ([]R, error)) func(int) ([]R, error) {
	return func(limit int) (due []R, err error) {
		err = st.Read(ctx, func(r store.Reader) error {
			due, err = find(r, limit)
			return err
		})
		return due, err
	}
}

// settleAll settles each item, dueWorkers at a time, and returns how many
// changed and the first error.
func settleAll[R any](due []R, settle func(R) (bool, error)) (int, error) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		changed  int
		firstErr error
	)
	slots := make(chan struct{}, dueWorkers)
	for _, item := range due {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			did, err := settle(item)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && firstErr == nil:
				firstErr = err
			case err == nil && did:
				changed++
			}
		}()
	}
	wg.Wait()
	return changed, firstErr
}
