package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kassa/internal/store"
)

// The checkpointer, not the writer, copies the WAL into the database:
// after a burst of writes far below the writer's own threshold, the
// database file holds them without any write having checkpointed.
func TestCheckpointerCopiesTheWALOffTheCommitPath(t *testing.T) {
	ctx := context.Background()
	s, path := openTempAt(t)
	before := fileSize(t, path)
	for i := range 200 {
		err := s.Write(ctx, func(tx store.Tx) error {
			return tx.InsertAccount(ctx, store.Account{ID: fmt.Sprintf("acct_%d", i), Name: "Shop", APIVersion: "v"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.checkpointed.Load() == 0 || fileSize(t, path) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("nothing checkpointed: %d frames, database %d bytes (was %d)", s.checkpointed.Load(), fileSize(t, path), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Read connections do not map the file; the writer keeps its temp files
// in memory and leaves checkpoints to the checkpointer below its own
// threshold.
func TestConnectionSettings(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	tests := []struct {
		db     *sql.DB
		pragma string
		want   int64
	}{
		{s.reader, "mmap_size", 0},
		{s.writer, "temp_store", 2}, // MEMORY
		{s.writer, "wal_autocheckpoint", 4 * DefaultWALRestartBytes / pageSize},
		{s.writer, "synchronous", 1}, // NORMAL
		{s.reader, "synchronous", 1},
	}
	for _, tt := range tests {
		var got int64
		if err := tt.db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil || got != tt.want {
			t.Errorf("PRAGMA %s = %d (%v), want %d", tt.pragma, got, err, tt.want)
		}
	}
}

// Under writes that never pause, and reads beside them, the committer
// restarts the WAL once the passive checkpoints report it long (after the
// checkpointer synced the database file), so it
// starts over from its beginning instead of growing to the writer's own
// threshold; and every acknowledged write is there, before and after the
// store is closed and opened again.
func TestCommitterRestartsALongWAL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kassa.db")
	s, err := OpenWith(ctx, path, Options{WALRestartBytes: 50 * pageSize})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var acknowledged atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// repeat runs fn until stop closes or fn fails.
	repeat := func(fn func(i int) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := fn(i); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for w := range 4 {
		repeat(func(i int) error {
			err := s.Write(ctx, func(tx store.Tx) error {
				return tx.InsertAccount(ctx, store.Account{ID: fmt.Sprintf("acct_%d_%d", w, i), Name: "Shop", APIVersion: "v"})
			})
			if err == nil {
				acknowledged.Add(1)
			}
			return err
		})
	}
	repeat(func(int) error { // reads hold WAL snapshots while the restarts happen
		_, err := countAccounts(ctx, s)
		return err
	})
	deadline := time.Now().Add(10 * time.Second)
	for s.restarts.Load() < 3 && time.Now().Before(deadline) && !t.Failed() {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if got := s.restarts.Load(); got < 3 {
		t.Fatalf("%d restarts after %d writes", got, acknowledged.Load())
	}
	// Each restart was preceded by a sync of the database file (and
	// failed attempts too), so the restart had little left to sync.
	if syncs := s.dbSyncs.Load(); syncs < s.restarts.Load() {
		t.Errorf("%d syncs of the database file for %d restarts", syncs, s.restarts.Load())
	}
	if n, err := countAccounts(ctx, s); err != nil || int64(n) != acknowledged.Load() {
		t.Fatalf("%d accounts (%v), %d writes acknowledged", n, err, acknowledged.Load())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if n, err := countAccounts(ctx, again); err != nil || int64(n) != acknowledged.Load() {
		t.Fatalf("reopened: %d accounts (%v), %d writes acknowledged", n, err, acknowledged.Load())
	}
}

func countAccounts(ctx context.Context, s *Store) (int, error) {
	var n int
	err := s.Read(ctx, func(r store.Reader) error {
		var err error
		n, err = r.CountAccounts(ctx)
		return err
	})
	return n, err
}

// A read that keeps an old snapshot open holds the WAL: the restart gives
// up after restartBusyTimeout instead of stalling the writer for the
// connection's busy timeout, and writes go on.
func TestARestartWaitsBrieflyForReads(t *testing.T) {
	ctx := context.Background()
	s, err := OpenWith(ctx, filepath.Join(t.TempDir(), "kassa.db"), Options{WALRestartBytes: 1 << 50}) // only the restart called below
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	write := func(id string) {
		t.Helper()
		if err := s.Write(ctx, func(tx store.Tx) error {
			return tx.InsertAccount(ctx, store.Account{ID: id, Name: "Shop", APIVersion: "v"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	write("acct_before")
	read, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer read.Rollback()
	var n int
	if err := read.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	write("acct_after") // the open read's snapshot is now an old one

	start := time.Now()
	s.restartWAL()
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the restart held the writer %v behind an open read", took)
	}
	if s.restarts.Load() != 0 {
		t.Fatal("the WAL restarted under a read still using it")
	}
	var timeout int64
	if err := s.writer.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != busyTimeout.Milliseconds() {
		t.Fatalf("the writer's busy timeout is %d ms after the restart (%v)", timeout, err)
	}
	write("acct_later")
	read.Rollback()
	if _, err := readAccount(ctx, s, "acct_later"); err != nil {
		t.Fatal(err)
	}
}
