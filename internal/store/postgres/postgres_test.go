package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/store/postgres"
	"kassa/internal/store/storetest"
	"kassa/internal/store/testdb"
)

// open gives each test its own fresh database (already migrated: the
// tests below migrate empty ones); a small pool keeps the parallel tests
// within the server's connection limit.
func open(t *testing.T) store.Store {
	s, err := postgres.Open(context.Background(), testdb.MigratedPostgresURL(t), postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

var ctx = context.Background()

// Instances starting at once on a new database migrate it without tripping
// over each other (the advisory lock), and a restart keeps the data.
func TestInstancesStartingTogetherMigrate(t *testing.T) {
	url := testdb.PostgresURL(t)
	errs := make(chan error, 4)
	stores := make(chan *postgres.Store, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 2})
			errs <- err
			stores <- s
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
		s := <-stores
		t.Cleanup(func() { s.Close() })
	}
	s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 2})
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
	s, err = postgres.Open(ctx, url, postgres.Options{MaxConns: 2})
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

// A write that waits longer than lock_timeout for a row another transaction
// holds fails with ErrLockTimeout (HTTP 429, retried by clients) and changes
// nothing; once the holder commits, the write goes through.
func TestLockWaitBecomesErrLockTimeout(t *testing.T) {
	url := testdb.PostgresURL(t)
	s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 4, LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pi := &payments.PaymentIntent{ID: "pi_1", AccountID: "acct_1", Amount: 100, Currency: "eur", Status: payments.RequiresPaymentMethod}
	err = s.Write(ctx, func(tx store.Tx) error {
		if err := tx.InsertAccount(ctx, store.Account{ID: "acct_1", Name: "Shop", APIVersion: "v"}); err != nil {
			return err
		}
		return tx.InsertIntent(ctx, pi)
	})
	if err != nil {
		t.Fatal(err)
	}
	locked, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- s.Write(ctx, func(tx store.Tx) error {
			got, err := tx.Intent(ctx, "acct_1", "pi_1")
			if err != nil {
				return err
			}
			close(locked)
			<-release
			got.Amount = 300
			return tx.UpdateIntent(ctx, got)
		})
	}()
	<-locked
	bump := func(tx store.Tx) error {
		got, err := tx.Intent(ctx, "acct_1", "pi_1")
		if err != nil {
			return err
		}
		got.AmountReceived = got.Amount
		return tx.UpdateIntent(ctx, got)
	}
	if err := s.Write(ctx, bump); !errors.Is(err, store.ErrLockTimeout) {
		t.Fatalf("waiting for a held row: %v", err)
	}
	close(release)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, bump); err != nil {
		t.Fatal(err)
	}
	err = s.Read(ctx, func(r store.Reader) error {
		got, err := r.Intent(ctx, "acct_1", "pi_1")
		if err == nil && (got.Amount != 300 || got.AmountReceived != 300) {
			t.Fatalf("amount %d received %d, want the holder's 300 then the retry's", got.Amount, got.AmountReceived)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
