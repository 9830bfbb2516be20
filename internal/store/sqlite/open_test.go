package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// openTemp opens a fresh store in the test's temporary directory, closed
// when the test ends.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "kassa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
