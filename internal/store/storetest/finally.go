package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"kassa/internal/store"
)

// testFinallyFollowsTheOutcome: a write's Finally callbacks run once, in
// order, before Write returns, and say true exactly when its changes were
// committed, also when writes share a commit and some of them fail.
func testFinallyFollowsTheOutcome(t *testing.T, s store.Store) {
	account(t, s, "acct_1")
	visible := func(id string) bool {
		var found bool
		read(t, s, func(r store.Reader) error {
			_, err := r.Intent(ctx, "acct_1", id)
			found = err == nil
			return nil
		})
		return found
	}

	t.Run("committed", func(t *testing.T) {
		var calls []string
		err := s.Write(ctx, func(tx store.Tx) error {
			tx.Finally(func(committed bool) {
				// Already committed: another transaction sees the change.
				calls = append(calls, fmt.Sprintf("first %v, visible %v", committed, visible("pi_ok")))
			})
			tx.Finally(func(committed bool) { calls = append(calls, fmt.Sprintf("second %v", committed)) })
			if len(calls) != 0 {
				t.Error("a Finally callback ran before the write ended")
			}
			return tx.InsertIntent(ctx, intent("acct_1", "pi_ok", t0))
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"first true, visible true", "second true"}
		if fmt.Sprint(calls) != fmt.Sprint(want) {
			t.Fatalf("callbacks %q, want %q", calls, want)
		}
	})

	t.Run("fn fails", func(t *testing.T) {
		boom := errors.New("boom")
		var calls []bool
		err := s.Write(ctx, func(tx store.Tx) error {
			tx.Finally(func(committed bool) { calls = append(calls, committed) })
			if err := tx.InsertIntent(ctx, intent("acct_1", "pi_failed", t0)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || fmt.Sprint(calls) != "[false]" || visible("pi_failed") {
			t.Fatalf("write %v, callbacks %v, insert visible %v; want boom, [false], false", err, calls, visible("pi_failed"))
		}
	})

	t.Run("the store refuses the write", func(t *testing.T) {
		// fn ignores its update's error; a store that sends the update
		// with the commit fails the write there.
		var calls []bool
		err := s.Write(ctx, func(tx store.Tx) error {
			tx.Finally(func(committed bool) { calls = append(calls, committed) })
			if err := tx.InsertIntent(ctx, intent("acct_1", "pi_refused", t0)); err != nil {
				return err
			}
			_ = tx.UpdateIntent(ctx, intent("acct_1", "pi_missing", t0))
			return nil
		})
		if !errors.Is(err, store.ErrNotFound) && err != nil {
			t.Fatalf("write %v", err)
		}
		if committed := err == nil; fmt.Sprint(calls) != fmt.Sprintf("[%v]", committed) || visible("pi_refused") != committed {
			t.Fatalf("write %v, callbacks %v, insert visible %v", err, calls, visible("pi_refused"))
		}
	})

	t.Run("concurrent writes, some failing", func(t *testing.T) {
		const writes = 64
		type result struct {
			err   error
			calls []bool
		}
		results := make([]result, writes)
		var wg sync.WaitGroup
		for i := range writes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &results[i]
				r.err = s.Write(ctx, func(tx store.Tx) error {
					tx.Finally(func(committed bool) { r.calls = append(r.calls, committed) })
					if err := tx.InsertIntent(ctx, intent("acct_1", fmt.Sprintf("pi_c%d", i), t0)); err != nil {
						return err
					}
					if i%3 == 0 {
						return errors.New("this write fails")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, r := range results {
			committed := r.err == nil
			if committed != (i%3 != 0) {
				t.Errorf("write %d: %v", i, r.err)
			}
			if fmt.Sprint(r.calls) != fmt.Sprintf("[%v]", committed) || visible(fmt.Sprintf("pi_c%d", i)) != committed {
				t.Errorf("write %d (error %v): callbacks %v, insert visible %v", i, r.err, r.calls, visible(fmt.Sprintf("pi_c%d", i)))
			}
		}
	})
}
