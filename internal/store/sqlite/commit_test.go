package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"kassa/internal/store"
)

// Writes that queue while another commits share one commit, and each
// still stands alone: a failing or panicking write rolls back only itself.
func TestQueuedWritesShareACommitAndFailAlone(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)

	// Hold the committer so the writes below queue up behind it.
	release := holdCommitter(s, func(tx store.Tx) error {
		return tx.InsertAccount(ctx, store.Account{ID: "acct_first", Name: "First", APIVersion: "v"})
	})
	before := s.commits.Load()

	boom := errors.New("boom")
	kinds := []string{"ok", "fail", "ok", "panic", "ok", "fail", "ok"}
	results := make([]any, len(kinds))
	var wg sync.WaitGroup
	for i, kind := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					results[i] = v
				}
			}()
			results[i] = s.Write(ctx, func(tx store.Tx) error {
				if err := tx.InsertAccount(ctx, store.Account{ID: fmt.Sprintf("acct_%d", i), Name: kind, APIVersion: "v"}); err != nil {
					return err
				}
				switch kind {
				case "fail":
					return boom
				case "panic":
					panic("write " + kind)
				}
				return nil
			})
		}()
	}
	waitQueued(t, s, len(kinds))
	if err := release(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	for i, kind := range kinds {
		_, readErr := readAccount(ctx, s, fmt.Sprintf("acct_%d", i))
		switch kind {
		case "ok":
			if results[i] != nil || readErr != nil {
				t.Errorf("write %d: %v, then read %v", i, results[i], readErr)
			}
		case "fail":
			if results[i] != boom || !errors.Is(readErr, store.ErrNotFound) {
				t.Errorf("failed write %d: %v, and its account: %v", i, results[i], readErr)
			}
		case "panic":
			if p, ok := results[i].(*panicked); !ok || p.value != "write panic" || !errors.Is(readErr, store.ErrNotFound) {
				t.Errorf("panicking write %d: %v, and its account: %v", i, results[i], readErr)
			}
		}
	}
	// The held write committed alone; the seven queued ones in one more.
	if got := s.commits.Load() - before; got != 2 {
		t.Errorf("%d commits for the held write and the seven queued behind it", got)
	}
}

// holdCommitter starts a write that holds the committer until release is
// called, and then runs fn; release returns that write's outcome.
func holdCommitter(s *Store, fn func(store.Tx) error) (release func() error) {
	holding, released := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Write(context.Background(), func(tx store.Tx) error {
			close(holding)
			<-released
			return fn(tx)
		})
	}()
	<-holding
	return func() error {
		close(released)
		return <-done
	}
}

// waitQueued waits until n writes are queued for the committer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for range 10000 {
		if len(s.writes) == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d writes queued, want %d", len(s.writes), n)
}

func readAccount(ctx context.Context, s *Store, id string) (store.Account, error) {
	var a store.Account
	err := s.Read(ctx, func(r store.Reader) error {
		var err error
		a, err = r.Account(ctx, id)
		return err
	})
	return a, err
}

// A caller that stops waiting once the committer has taken its write
// changes nothing: its statements run to the end and commit with the
// batch, and the writes sharing the commit are unharmed.
func TestATakenWriteOutlivesItsCallersContext(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)

	release := holdCommitter(s, func(store.Tx) error { return nil })

	callerCtx, hangUp := context.WithCancel(ctx)
	defer hangUp()
	results := make(chan error, 2)
	go func() {
		results <- s.Write(callerCtx, func(tx store.Tx) error {
			hangUp() // the client goes away while its write runs
			return tx.InsertAccount(callerCtx, store.Account{ID: "acct_gone", Name: "Gone", APIVersion: "v"})
		})
	}()
	waitQueued(t, s, 1)
	go func() {
		results <- s.Write(ctx, func(tx store.Tx) error {
			return tx.InsertAccount(ctx, store.Account{ID: "acct_stays", Name: "Stays", APIVersion: "v"})
		})
	}()
	waitQueued(t, s, 2)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-results; err != nil {
			t.Errorf("a write of the batch failed: %v", err)
		}
	}
	for _, id := range []string{"acct_gone", "acct_stays"} {
		if _, err := readAccount(ctx, s, id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}

// While writes come concurrently, the committer waits a moment for more of
// them to share a commit: three writes that arrive one after another,
// after a batch of two, commit together.
func TestConcurrentWritesLingerToShareACommit(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	// Set before the first write reaches the committer, which reads them.
	s.lingerUpTo, s.lingerFor = 3, time.Minute
	insert := func(id string) error {
		return s.Write(ctx, func(tx store.Tx) error {
			return tx.InsertAccount(ctx, store.Account{ID: id, Name: "Shop", APIVersion: "v"})
		})
	}
	// A batch of two: the writes queued behind a held one.
	release := holdCommitter(s, func(tx store.Tx) error {
		return tx.InsertAccount(ctx, store.Account{ID: "acct_held", Name: "Shop", APIVersion: "v"})
	})
	queued := make(chan error, 2)
	for _, id := range []string{"acct_queued_1", "acct_queued_2"} {
		go func() { queued <- insert(id) }()
	}
	waitQueued(t, s, 2)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-queued; err != nil {
			t.Fatal(err)
		}
	}
	before := s.commits.Load()
	errs := make(chan error, 3)
	for i := range 3 {
		go func() { errs <- insert(fmt.Sprintf("acct_%d", i)) }()
		time.Sleep(5 * time.Millisecond) // each alone in the queue
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := s.commits.Load() - before; got != 1 {
		t.Errorf("%d commits for three writes arriving while the committer lingered", got)
	}
}

// A write that follows a lone write commits at once, however long the
// committer may linger: it lingers only after a batch of several.
func TestALoneWriteDoesNotLinger(t *testing.T) {
	s := openTemp(t)
	s.lingerUpTo, s.lingerFor = 8, time.Hour
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := s.Write(ctx, func(tx store.Tx) error {
			return tx.InsertAccount(ctx, store.Account{ID: fmt.Sprintf("acct_%d", i), Name: "Shop", APIVersion: "v"})
		})
		cancel()
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
}
