package storetest

import (
	"errors"
	"reflect"
	"testing"

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
