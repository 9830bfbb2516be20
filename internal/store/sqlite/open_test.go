package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"kassa/internal/store"
)

// openTemp opens a fresh store in the test's temporary directory, closed
// when the test ends.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, _ := openTempAt(t)
	return s
}

// openTempAt is openTemp with the database file's path.
func openTempAt(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kassa.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// With SyncFull every connection that commits or checkpoints waits for
// the disk; a setting SQLite does not have is refused before anything opens.
func TestSynchronous(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := OpenWith(ctx, filepath.Join(dir, "full.db"), Options{Synchronous: SyncFull})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, db := range map[string]*sql.DB{"writer": s.writer, "checkpointer": s.checkpointer, "reader": s.reader} {
		var got int64
		if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&got); err != nil || got != 2 {
			t.Errorf("%s: PRAGMA synchronous = %d (%v), want 2 (FULL)", name, got, err)
		}
	}
	if _, err := OpenWith(ctx, filepath.Join(dir, "bad.db"), Options{Synchronous: "off"}); err == nil {
		t.Error("synchronous=off was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.db")); !os.IsNotExist(err) {
		t.Errorf("a refused setting created the file (stat: %v)", err)
	}
}

func TestParseSynchronous(t *testing.T) {
	tests := []struct {
		in      string
		want    Synchronous
		wantErr bool
	}{
		{"", SyncNormal, false},
		{"normal", SyncNormal, false},
		{"FULL", SyncFull, false},
		{"off", "", true},
		{"extra", "", true},
	}
	for _, tt := range tests {
		got, err := ParseSynchronous(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseSynchronous(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// A WAL restart size sets when the committer restarts the WAL and, four
// times further, the writer's own checkpoint backstop; a negative size is
// refused before anything opens.
func TestWALRestartSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := OpenWith(ctx, filepath.Join(dir, "small.db"), Options{WALRestartBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.restartFrames != 256 {
		t.Errorf("restart at %d frames, want 256", s.restartFrames)
	}
	var pages int64
	if err := s.writer.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != 1024 {
		t.Errorf("PRAGMA wal_autocheckpoint = %d (%v), want 1024", pages, err)
	}
	if _, err := OpenWith(ctx, filepath.Join(dir, "bad.db"), Options{WALRestartBytes: -1}); err == nil {
		t.Error("a negative WAL restart size was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.db")); !os.IsNotExist(err) {
		t.Errorf("a refused size created the file (stat: %v)", err)
	}
}

// A path with characters that mean something in a URI ("?", "#", "%")
// opens that very file, not one named by the path's beginning.
func TestOpenAPathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "shop #1?a=b 100%25")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kassa.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.InsertAccount(ctx, store.Account{ID: "acct_1", Name: "Shop", APIVersion: "v"})
	}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("the database is not at %s: %v", path, err)
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil || len(entries) != 1 {
		t.Fatalf("beside the directory: %v (%v)", entries, err)
	}
}
