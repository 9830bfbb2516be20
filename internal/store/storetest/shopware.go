package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"kassa/internal/shopware"
	"kassa/internal/store"
)

func testShopwareShops(t *testing.T, s store.Store) {
	account(t, s, "acct_a")
	account(t, s, "acct_b")
	shop := &shopware.Shop{AccountID: "acct_a", ShopID: "shop1", ShopURL: "https://shop.example",
		Status: shopware.ShopRegistering, PendingSealedSecret: []byte{1, 2, 3}, Created: t0, Updated: t0}
	write(t, s, func(tx store.Tx) error { return tx.SaveShopwareShop(ctx, shop) })

	confirmed := *shop
	confirmed.Status, confirmed.SealedSecret, confirmed.PendingSealedSecret = shopware.ShopActive, []byte{1, 2, 3}, nil
	confirmed.SealedAPIKey, confirmed.Updated = []byte{4}, t0.Add(1)
	write(t, s, func(tx store.Tx) error {
		got, err := tx.ShopwareShop(ctx, "acct_a", "shop1")
		if err != nil || !reflect.DeepEqual(got, shop) {
			t.Errorf("in tx: got %+v, %v; want %+v", got, err, shop)
		}
		return tx.SaveShopwareShop(ctx, &confirmed)
	})
	read(t, s, func(r store.Reader) error {
		got, err := r.ShopwareShop(ctx, "acct_a", "shop1")
		if err != nil || !reflect.DeepEqual(got, &confirmed) {
			t.Errorf("after replace: got %+v, %v; want %+v", got, err, &confirmed)
		}
		// The same shop id under another account is another shop.
		if _, err := r.ShopwareShop(ctx, "acct_b", "shop1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another account's shop: %v; want ErrNotFound", err)
		}
		return nil
	})
}

func testShopwareTransactions(t *testing.T, s store.Store) {
	account(t, s, "acct_a")
	account(t, s, "acct_b")
	tr := &shopware.Transaction{AccountID: "acct_a", ShopID: "shop1", TransactionID: "tx1", OrderNumber: "10001",
		IntentID: "pi_1", Amount: 1230, Currency: "eur", Method: "sofort", Created: t0, Updated: t0}
	write(t, s, func(tx store.Tx) error { return tx.InsertShopwareTransaction(ctx, tr) })
	if err := s.Write(ctx, func(tx store.Tx) error {
		again := *tr
		again.IntentID = "pi_2"
		return tx.InsertShopwareTransaction(ctx, &again)
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second insert of one order transaction: %v; want ErrConflict", err)
	}
	finalized := *tr
	finalized.FinalStatus, finalized.Updated = "paid", t0.Add(1)
	write(t, s, func(tx store.Tx) error {
		got, err := tx.ShopwareTransaction(ctx, "acct_a", "shop1", "tx1")
		if err != nil || !reflect.DeepEqual(got, tr) {
			t.Errorf("got %+v, %v; want %+v", got, err, tr)
		}
		return tx.UpdateShopwareTransaction(ctx, &finalized)
	})
	read(t, s, func(r store.Reader) error {
		got, err := r.ShopwareTransactionByIntent(ctx, "acct_a", "pi_1")
		if err != nil || !reflect.DeepEqual(got, &finalized) {
			t.Errorf("by intent: got %+v, %v; want %+v", got, err, &finalized)
		}
		if _, err := r.ShopwareTransaction(ctx, "acct_b", "shop1", "tx1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another account's transaction: %v; want ErrNotFound", err)
		}
		if _, err := r.ShopwareTransactionByIntent(ctx, "acct_b", "pi_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another account's intent: %v; want ErrNotFound", err)
		}
		return nil
	})
	missing := *tr
	missing.TransactionID = "tx_missing"
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.UpdateShopwareTransaction(ctx, &missing) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing transaction: %v; want ErrNotFound", err)
	}
}

func push(accountID, id string, due time.Time) *shopware.Push {
	return &shopware.Push{ID: id, AccountID: accountID, ShopID: "shop1", TransactionID: "tx-" + id, IntentID: "pi_" + id,
		Transition: "paid", Status: shopware.PushPending, NextAttemptAt: due, Created: t0}
}

func claimPushes(t *testing.T, s store.Store, claim string, now time.Time) []string {
	t.Helper()
	var got []*shopware.Push
	write(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.ClaimShopwarePushes(ctx, claim, now, now.Add(time.Minute), 10)
		return err
	})
	var ids []string
	for _, p := range got {
		if p.Claim != claim || !p.LeaseUntil.Equal(now.Add(time.Minute)) {
			t.Errorf("claimed push %s carries claim %q until %v", p.ID, p.Claim, p.LeaseUntil)
		}
		ids = append(ids, p.ID)
	}
	return ids
}

func testShopwarePushes(t *testing.T, s store.Store) {
	account(t, s, "acct_a")
	account(t, s, "acct_b")
	write(t, s, func(tx store.Tx) error {
		for _, p := range []*shopware.Push{push("acct_a", "p2", t0.Add(2)), push("acct_a", "p1", t0.Add(1)), push("acct_a", "later", t0.Add(time.Hour))} {
			if err := tx.InsertShopwarePush(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if got := claimPushes(t, s, "c1", t0.Add(time.Second)); fmt.Sprint(got) != "[p1 p2]" {
		t.Fatalf("first claim got %v; want the due pushes [p1 p2], oldest due first", got)
	}
	if got := claimPushes(t, s, "c2", t0.Add(2*time.Second)); len(got) != 0 {
		t.Fatalf("leased pushes were claimed again: %v", got)
	}
	// The lease of a dead pusher runs out: the pushes are claimed anew.
	if got := claimPushes(t, s, "c3", t0.Add(2*time.Minute)); fmt.Sprint(got) != "[p1 p2]" {
		t.Fatalf("after the lease: %v", got)
	}
	var leased []*shopware.Push
	read(t, s, func(r store.Reader) error {
		var err error
		leased, err = r.ShopwarePushes(ctx, "acct_a")
		return err
	})
	if len(leased) != 3 {
		t.Fatalf("%d pushes listed; want 3", len(leased))
	}
	if ids := fmt.Sprintln(leased[0].ID, leased[1].ID, leased[2].ID); ids != "later p1 p2\n" {
		t.Fatalf("listed %s; want created order, then id", ids)
	}
	p1 := leased[1]
	// The late result of the first claim does not count.
	stale := *p1
	stale.Claim, stale.Status = "c1", shopware.PushDone
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.RecordShopwarePush(ctx, &stale) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("record with a lost claim: %v; want ErrConflict", err)
	}
	done := *p1
	done.Status, done.Attempts = shopware.PushDone, 1
	write(t, s, func(tx store.Tx) error { return tx.RecordShopwarePush(ctx, &done) })
	if done.Claim != "" || !done.LeaseUntil.IsZero() {
		t.Errorf("recorded push keeps its lease: %+v", done)
	}
	if got := claimPushes(t, s, "c4", t0.Add(2*time.Hour)); len(got) != 2 || slices.Contains(got, p1.ID) {
		t.Errorf("claim after recording %s got %v; want the other two", p1.ID, got)
	}
	read(t, s, func(r store.Reader) error {
		all, err := r.ShopwarePushes(ctx, "acct_a")
		if err != nil {
			return err
		}
		for _, p := range all {
			if p.ID == p1.ID && (p.Status != shopware.PushDone || p.Attempts != 1) {
				t.Errorf("recorded push reads back %+v", p)
			}
		}
		other, err := r.ShopwarePushes(ctx, "acct_b")
		if len(other) != 0 {
			t.Errorf("another account lists %d pushes", len(other))
		}
		return err
	})
}
