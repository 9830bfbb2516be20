package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/store/postgres"
	"kassa/internal/store/testdb"
)

// openCounting opens a store on a fresh database with one account and
// counts what its connections send.
func openCounting(t *testing.T) (*postgres.Store, func() int64) {
	t.Helper()
	s, sends, err := postgres.OpenCountingSends(ctx, testdb.MigratedPostgresURL(t), postgres.Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	err = s.Write(ctx, func(tx store.Tx) error {
		return tx.InsertAccount(ctx, store.Account{ID: "acct_1", Name: "Shop", APIVersion: "v"})
	})
	if err != nil {
		t.Fatal(err)
	}
	since := sends.Load()
	return s, func() int64 {
		n := sends.Load() - since
		since = sends.Load()
		return n
	}
}

func newIntent(id string) *payments.PaymentIntent {
	return &payments.PaymentIntent{ID: id, AccountID: "acct_1", Amount: 100, Currency: "eur",
		Status: payments.RequiresPaymentMethod, Created: time.Unix(1, 0).UTC()}
}

// A create as the API makes it (claim the key, insert, read the endpoints
// its events go to, complete the key) sends three batches: BEGIN with the
// claim, the inserts with the read, the completion with COMMIT.
func TestWriteSendsInsertsWithTheNextRead(t *testing.T) {
	s, sent := openCounting(t)
	create := func(n int) error {
		id := []string{"pi_a", "pi_b", "pi_c"}[n]
		key := store.IdempotentRequest{AccountID: "acct_1", Key: id, Endpoint: "POST /v1/payment_intents", ParamsHash: "h", Claim: "c", Created: time.Unix(1, 0)}
		return s.Write(ctx, func(tx store.Tx) error {
			if existing, err := tx.ClaimIdempotencyKey(ctx, key, time.Unix(0, 0)); err != nil || existing != nil {
				t.Fatalf("claim: %v %v", existing, err)
			}
			pm := &payments.PaymentMethod{ID: "pm_" + id, AccountID: "acct_1", Type: "sofort", Created: time.Unix(1, 0).UTC()}
			if err := tx.InsertPaymentMethod(ctx, pm); err != nil {
				return err
			}
			pi := newIntent(id)
			if err := tx.InsertIntent(ctx, pi); err != nil {
				return err
			}
			events := []*store.Event{
				{ID: "evt_1" + id, AccountID: "acct_1", Type: "payment_intent.created", Created: pi.Created, Object: pi},
				{ID: "evt_2" + id, AccountID: "acct_1", Type: "payment_intent.requires_action", Created: pi.Created, Object: pi},
			}
			if err := tx.InsertEvents(ctx, events); err != nil {
				return err
			}
			if _, err := tx.AccountWebhookEndpoints(ctx, "acct_1"); err != nil {
				return err
			}
			key.Status, key.Body = 200, []byte(`{}`)
			return tx.CompleteIdempotencyKey(ctx, key)
		})
	}
	// The first prepares the statements: one more round trip.
	if err := create(0); err != nil {
		t.Fatal(err)
	}
	sent()
	for n := 1; n <= 2; n++ {
		if err := create(n); err != nil {
			t.Fatal(err)
		}
		if got := sent(); got != 3 {
			t.Fatalf("create %d sent %d batches, want 3", n, got)
		}
	}
	err := s.Read(ctx, func(r store.Reader) error {
		for _, id := range []string{"pi_a", "pi_b", "pi_c"} {
			if _, err := r.Intent(ctx, "acct_1", id); err != nil {
				return err
			}
			if _, err := r.PaymentMethod(ctx, "acct_1", "pm_"+id); err != nil {
				return err
			}
			if _, err := r.Event(ctx, "acct_1", "evt_2"+id); err != nil {
				return err
			}
			rec, err := r.IdempotentRequest(ctx, "acct_1", id)
			if err != nil || rec.Status != 200 {
				t.Fatalf("key %s: %+v %v", id, rec, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A read transaction sends BEGIN with its first query; one that queries
// nothing sends nothing at all.
func TestReadBeginsWithItsFirstQuery(t *testing.T) {
	s, sent := openCounting(t)
	if err := s.Read(ctx, func(store.Reader) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := sent(); got != 0 {
		t.Fatalf("an empty read sent %d batches", got)
	}
	if err := s.Write(ctx, func(store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := sent(); got != 0 {
		t.Fatalf("an empty write sent %d batches", got)
	}
	read := func(r store.Reader) error {
		_, err := r.Account(ctx, "acct_1")
		return err
	}
	if err := s.Read(ctx, read); err != nil { // prepares the statement
		t.Fatal(err)
	}
	sent()
	if err := s.Read(ctx, read); err != nil {
		t.Fatal(err)
	}
	if got := sent(); got != 2 { // BEGIN and the query, then ROLLBACK
		t.Fatalf("a one-query read sent %d batches, want 2", got)
	}
}

// An insert that fails once sent fails its transaction as if it had
// failed in place: later statements answer an error that is not the one
// they would give (a missing intent is not "not found" here), the write
// returns the insert's own error, and nothing of it is kept.
func TestQueuedInsertFailureFailsTheWrite(t *testing.T) {
	s, _ := openCounting(t)
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.InsertIntent(ctx, newIntent("pi_taken")) }); err != nil {
		t.Fatal(err)
	}
	for _, ignoreRead := range []bool{false, true} {
		err := s.Write(ctx, func(tx store.Tx) error {
			if err := tx.InsertIntent(ctx, newIntent("pi_new")); err != nil {
				return err
			}
			if err := tx.InsertIntent(ctx, newIntent("pi_taken")); err != nil {
				t.Fatalf("the duplicate was refused before it was sent: %v", err)
			}
			_, err := tx.Intent(ctx, "acct_1", "pi_missing")
			if err == nil || errors.Is(err, store.ErrNotFound) {
				t.Fatalf("read after the failed insert: %v, want the earlier failure", err)
			}
			if ignoreRead {
				return nil // and COMMIT must still fail
			}
			return err
		})
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23505" {
			t.Fatalf("ignoring the read's error %v: write answered %v, want the unique violation", ignoreRead, err)
		}
	}
	err := s.Read(ctx, func(r store.Reader) error {
		_, err := r.Intent(ctx, "acct_1", "pi_new")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the failed write's other insert: %v, want not found", err)
	}
	// The connection is clean for the next transaction.
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.InsertIntent(ctx, newIntent("pi_next")) }); err != nil {
		t.Fatal(err)
	}
}

// Queued updates go to the server with later statements, the last with
// COMMIT; one that finds no row (the idempotency key's completion of a
// claim not held, an update of a missing intent) is refused by the server,
// so COMMIT never happens and nothing of the write is kept.
func TestRefusedUpdateKeepsNothing(t *testing.T) {
	s, _ := openCounting(t)
	key := store.IdempotentRequest{AccountID: "acct_1", Key: "k", Endpoint: "POST /v1/x", ParamsHash: "h", Claim: "mine", Created: time.Unix(1, 0)}
	if err := s.Write(ctx, func(tx store.Tx) error {
		_, err := tx.ClaimIdempotencyKey(ctx, key, time.Unix(0, 0))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		update func(store.Tx) error
		want   error
	}{
		{"completion of a claim not held", func(tx store.Tx) error {
			notMine := key
			notMine.Claim, notMine.Status, notMine.Body = "theirs", 200, []byte(`{}`)
			return tx.CompleteIdempotencyKey(ctx, notMine)
		}, store.ErrConflict},
		{"update of a missing intent", func(tx store.Tx) error {
			return tx.UpdateIntent(ctx, newIntent("pi_missing"))
		}, store.ErrNotFound},
	} {
		err := s.Write(ctx, func(tx store.Tx) error {
			if err := tx.InsertIntent(ctx, newIntent("pi_1")); err != nil {
				return err
			}
			return tt.update(tx)
		})
		if !errors.Is(err, tt.want) {
			t.Fatalf("%s: %v, want %v", tt.name, err, tt.want)
		}
		err = s.Read(ctx, func(r store.Reader) error {
			_, err := r.Intent(ctx, "acct_1", "pi_1")
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: the refused write's intent: %v, want not found", tt.name, err)
		}
	}
}

// A write whose request goes away between two batches fails, and its
// connection (the pool's only one here) serves the next write cleanly.
func TestCanceledWriteLeavesTheConnectionClean(t *testing.T) {
	s, _ := openCounting(t)
	cctx, cancel := context.WithCancel(ctx)
	err := s.Write(cctx, func(tx store.Tx) error {
		if err := tx.InsertIntent(cctx, newIntent("pi_gone")); err != nil {
			return err
		}
		if _, err := tx.Account(cctx, "acct_1"); err != nil { // sends BEGIN and the insert
			return err
		}
		cancel()
		if err := tx.InsertIntent(cctx, newIntent("pi_gone2")); err != nil {
			return err
		}
		_, err := tx.Account(cctx, "acct_1")
		return err
	})
	if err == nil {
		t.Fatal("a write whose context was canceled committed")
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.InsertIntent(ctx, newIntent("pi_next")) }); err != nil {
		t.Fatalf("the next write: %v", err)
	}
	err = s.Read(ctx, func(r store.Reader) error {
		for _, id := range []string{"pi_gone", "pi_gone2"} {
			if _, err := r.Intent(ctx, "acct_1", id); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s of the canceled write: %v", id, err)
			}
		}
		_, err := r.Intent(ctx, "acct_1", "pi_next")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
