package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kassa/internal/store"
)

// The writer counts its batches and writes, the time it was busy, and the
// time writes queued behind a held one waited.
func TestWriterStats(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	before := s.WriterStats()

	const hold, queued = 50 * time.Millisecond, 3
	holding := make(chan struct{})
	first := make(chan error)
	go func() {
		first <- s.Write(ctx, func(tx store.Tx) error {
			close(holding)
			time.Sleep(hold)
			return tx.InsertAccount(ctx, store.Account{ID: "acct_held", Name: "Held", APIVersion: "v"})
		})
	}()
	<-holding
	var wg sync.WaitGroup
	for i := range queued {
		wg.Go(func() {
			if err := s.Write(ctx, func(tx store.Tx) error {
				return tx.InsertAccount(ctx, store.Account{ID: fmt.Sprint("acct_", i), Name: "Queued", APIVersion: "v"})
			}); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, s, queued)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	got := s.WriterStats()
	if b, w := got.Batches-before.Batches, got.Writes-before.Writes; b != 2 || w != 1+queued {
		t.Errorf("%d batches of %d writes, want 2 of %d", b, w, 1+queued)
	}
	if busy := got.Busy - before.Busy; busy < hold {
		t.Errorf("busy %v, but one write alone took %v", busy, hold)
	}
	// Each queued write waited for the rest of the held one.
	if waited := got.Waited - before.Waited; waited < queued*hold/2 {
		t.Errorf("waited %v in all, want at least %v", waited, queued*hold/2)
	}
}
