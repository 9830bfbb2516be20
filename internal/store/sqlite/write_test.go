package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"kassa/internal/store"
)

// The lock wait bounds only the wait for the writer: a transaction that
// runs longer than it still commits, and a writer that waits longer gets
// ErrLockTimeout (the API's 429 lock_timeout).
func TestLockWaitBoundsOnlyTheWait(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	s.lockWait = 50 * time.Millisecond

	holding := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Write(ctx, func(tx store.Tx) error {
			close(holding)
			time.Sleep(150 * time.Millisecond)
			return tx.InsertAccount(ctx, store.Account{ID: "acct_slow", Name: "Slow", APIVersion: "v"})
		})
	}()
	<-holding
	err := s.Write(ctx, func(tx store.Tx) error { return nil })
	if !errors.Is(err, store.ErrLockTimeout) {
		t.Fatalf("a writer kept waiting: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the long transaction failed: %v", err)
	}
	err = s.Read(ctx, func(r store.Reader) error {
		_, err := r.Account(ctx, "acct_slow")
		return err
	})
	if err != nil {
		t.Fatalf("the long transaction did not commit: %v", err)
	}
}
