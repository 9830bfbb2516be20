package sqlite

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// The writes of one batch share what the first of them read of an
// account's endpoints, and each still sees every change made before it
// in the batch: an endpoint added, one added by a write that then failed
// (not there), one deleted.
func TestABatchSeesEndpointsAsTheyChange(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.InsertAccount(ctx, store.Account{ID: "acct_1", Name: "Shop", APIVersion: "v"})
	}); err != nil {
		t.Fatal(err)
	}
	endpoint := func(id string) *webhooks.Endpoint {
		return &webhooks.Endpoint{ID: id, AccountID: "acct_1", URL: "https://shop.example/" + id,
			EnabledEvents: []string{"*"}, SealedSecret: []byte{1}, Created: time.Unix(0, 0)}
	}
	release := holdCommitter(s, func(store.Tx) error { return nil })

	boom := errors.New("boom")
	type step struct {
		name string
		fn   func(tx store.Tx) error
	}
	var seen [][]string
	read := func(tx store.Tx) error {
		eps, err := tx.AccountWebhookEndpoints(ctx, "acct_1")
		ids := []string{}
		for _, e := range eps {
			ids = append(ids, e.ID)
		}
		seen = append(seen, ids)
		return err
	}
	steps := []step{
		{"read", read},
		{"add we_1", func(tx store.Tx) error { return tx.InsertWebhookEndpoint(ctx, endpoint("we_1")) }},
		{"read", read},
		{"read", read},
		{"add we_2, then fail", func(tx store.Tx) error {
			if err := read(tx); err != nil { // it sees its own endpoint…
				return err
			}
			if err := tx.InsertWebhookEndpoint(ctx, endpoint("we_2")); err != nil {
				return err
			}
			if err := read(tx); err != nil {
				return err
			}
			return boom // …which is then rolled back
		}},
		{"read", read},
		{"delete we_1", func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(ctx, "acct_1", "we_1") }},
		{"read", read},
	}
	results := make(chan error, len(steps))
	for i, st := range steps {
		go func() { results <- s.Write(ctx, st.fn) }()
		waitQueued(t, s, i+1) // queued, and so run, in this order
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for range steps {
		if err := <-results; errors.Is(err, boom) {
			failed++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	want := [][]string{{}, {"we_1"}, {"we_1"}, {"we_1"}, {"we_1", "we_2"}, {"we_1"}, {}}
	if failed != 1 || !slices.EqualFunc(seen, want, slices.Equal) {
		t.Fatalf("reads saw %q (%d failed), want %q", seen, failed, want)
	}
}
