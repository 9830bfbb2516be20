package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
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

// A batch that holds the writer too long is logged with what it did.
func TestSlowBatchIsLogged(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	var log bytes.Buffer
	s.logger = slog.New(slog.NewTextHandler(&log, nil))
	s.slowBatch = 20 * time.Millisecond
	write := func(hold time.Duration) {
		t.Helper()
		if err := s.Write(ctx, func(tx store.Tx) error {
			time.Sleep(hold)
			return tx.InsertAccount(ctx, store.Account{ID: fmt.Sprint("acct_", hold), Name: "Shop", APIVersion: "v"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	write(0)
	if log.Len() != 0 {
		t.Fatalf("a quick batch was logged: %s", log.String())
	}
	write(40 * time.Millisecond)
	line := log.String()
	for _, want := range []string{"level=WARN", "held the single writer", "writes=1", "commit=", "wal_bytes="} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q lacks %q", line, want)
		}
	}
}
