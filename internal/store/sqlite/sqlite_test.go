package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"kassa/internal/store"
	"kassa/internal/store/sqlite"
	"kassa/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kassa.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kassa.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Write(ctx, func(tx store.Tx) error {
		return tx.InsertAccount(ctx, store.Account{ID: "acct_1", Name: "Shop", APIVersion: "v"})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	err = s.Read(ctx, func(r store.Reader) error {
		n, err := r.CountAccounts(ctx)
		if n != 1 {
			t.Fatalf("accounts after reopen: %d", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
