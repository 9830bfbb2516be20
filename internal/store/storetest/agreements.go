package storetest

import (
	"errors"
	"reflect"
	"testing"

	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/shopware"
	"kassa/internal/store"
)

func testPaymentMethodAgreements(t *testing.T, s store.Store) {
	account(t, s, "acct_a")
	account(t, s, "acct_b")
	pm := &payments.PaymentMethod{ID: "pm_1", AccountID: "acct_a", Type: methods.Vipps, Created: t0}
	write(t, s, func(tx store.Tx) error { return tx.InsertPaymentMethod(ctx, pm) })
	saved := *pm
	saved.Agreement = &payments.Agreement{Status: payments.AgreementActive, IntentID: "pi_1", Created: t0.Add(1)}
	write(t, s, func(tx store.Tx) error { return tx.UpdatePaymentMethod(ctx, &saved) })
	read(t, s, func(r store.Reader) error {
		got, err := r.PaymentMethod(ctx, "acct_a", "pm_1")
		if err != nil || !reflect.DeepEqual(got, &saved) {
			t.Errorf("after update: got %+v, %v; want %+v", got, err, &saved)
		}
		return nil
	})
	foreign := saved
	foreign.AccountID = "acct_b"
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.UpdatePaymentMethod(ctx, &foreign) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update under another account: %v; want ErrNotFound", err)
	}
}

func testShopwareAgreements(t *testing.T, s store.Store) {
	account(t, s, "acct_a")
	account(t, s, "acct_b")
	a := &shopware.Agreement{AccountID: "acct_a", ShopID: "shop1", SubscriptionID: "sub1", PaymentMethodID: "pm_1",
		TransactionID: "tx1", IntentID: "pi_1", Created: t0}
	write(t, s, func(tx store.Tx) error { return tx.SaveShopwareAgreement(ctx, a) })
	// A later first payment of the same subscription replaces it.
	again := *a
	again.PaymentMethodID, again.TransactionID, again.IntentID = "pm_2", "tx2", "pi_2"
	write(t, s, func(tx store.Tx) error { return tx.SaveShopwareAgreement(ctx, &again) })
	read(t, s, func(r store.Reader) error {
		got, err := r.ShopwareAgreement(ctx, "acct_a", "shop1", "sub1")
		if err != nil || !reflect.DeepEqual(got, &again) {
			t.Errorf("got %+v, %v; want %+v", got, err, &again)
		}
		for _, k := range [][3]string{{"acct_b", "shop1", "sub1"}, {"acct_a", "shop2", "sub1"}, {"acct_a", "shop1", "sub2"}} {
			if _, err := r.ShopwareAgreement(ctx, k[0], k[1], k[2]); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("agreement %v: %v; want ErrNotFound", k, err)
			}
		}
		return nil
	})
}
