package gateway_test

import (
	"context"
	"testing"

	"kassa/internal/store"
)

// Events carry the account's API version: the one the caller brings, or
// the stored account's when the caller has none (Kassa's own changes).
func TestEventsCarryTheAccountsAPIVersion(t *testing.T) {
	ctx := context.Background()
	for _, callerVersion := range []string{"", "2099-01-01.test"} {
		gw, c := benchGateway(t)
		want := callerVersion
		err := gw.Store.Read(ctx, func(r store.Reader) error {
			a, err := r.Account(ctx, c.AccountID)
			if want == "" {
				want = a.APIVersion
			}
			return err
		})
		if err != nil || want == "" {
			t.Fatalf("account: %q %v", want, err)
		}
		c.APIVersion = callerVersion
		benchPayment(t, gw, c, 500)
		err = gw.Store.Read(ctx, func(r store.Reader) error {
			events, _, err := r.ListEvents(ctx, c.AccountID, store.ListQuery{Limit: 100})
			if len(events) == 0 {
				t.Error("no events")
			}
			for _, e := range events {
				if e.APIVersion != want {
					t.Errorf("caller version %q: %s has %q, want %q", callerVersion, e.Type, e.APIVersion, want)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
