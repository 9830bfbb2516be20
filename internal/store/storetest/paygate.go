package storetest

import (
	"bytes"
	"errors"
	"testing"

	"kassa/internal/paygate"
	"kassa/internal/store"
)

func testPaygateMerchants(t *testing.T, s store.Store) {
	account(t, s, "acct_pg1")
	account(t, s, "acct_pg2")
	m := &paygate.Merchant{MerchantID: "kassa_M1", AccountID: "acct_pg1", Algorithm: paygate.Blowfish,
		SealedEncryptionKey: []byte{1, 2, 3, 0}, SealedHMACKey: []byte{4, 5, 6}, Created: t0}
	write(t, s, func(tx store.Tx) error { return tx.InsertPaygateMerchant(ctx, m) })

	same := func(got *paygate.Merchant, want *paygate.Merchant) {
		t.Helper()
		if got.MerchantID != want.MerchantID || got.AccountID != want.AccountID || got.Algorithm != want.Algorithm ||
			!bytes.Equal(got.SealedEncryptionKey, want.SealedEncryptionKey) || !bytes.Equal(got.SealedHMACKey, want.SealedHMACKey) ||
			!got.Created.Equal(want.Created) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
	read(t, s, func(r store.Reader) error {
		got, err := r.PaygateMerchant(ctx, "kassa_M1")
		if err != nil {
			return err
		}
		same(got, m)
		got, err = r.PaygateMerchantOfAccount(ctx, "acct_pg1")
		if err != nil {
			return err
		}
		same(got, m)
		if _, err := r.PaygateMerchant(ctx, "kassa_m1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MerchantID lookup must be exact, got %v", err)
		}
		if _, err := r.PaygateMerchantOfAccount(ctx, "acct_pg2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another account has no credentials, got %v", err)
		}
		return nil
	})

	// One set per account, one account per MerchantID.
	for _, dup := range []*paygate.Merchant{
		{MerchantID: "kassa_M2", AccountID: "acct_pg1", Algorithm: paygate.AES, SealedEncryptionKey: []byte{9}, SealedHMACKey: []byte{9}, Created: t0},
		{MerchantID: "kassa_M1", AccountID: "acct_pg2", Algorithm: paygate.AES, SealedEncryptionKey: []byte{9}, SealedHMACKey: []byte{9}, Created: t0},
	} {
		err := s.Write(ctx, func(tx store.Tx) error { return tx.InsertPaygateMerchant(ctx, dup) })
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("insert of %s for %s: got %v, want ErrConflict", dup.MerchantID, dup.AccountID, err)
		}
	}

	rotated := *m
	rotated.Algorithm, rotated.SealedEncryptionKey, rotated.SealedHMACKey = paygate.AES, []byte{7, 7}, []byte{8, 8}
	write(t, s, func(tx store.Tx) error { return tx.UpdatePaygateMerchant(ctx, &rotated) })
	read(t, s, func(r store.Reader) error {
		got, err := r.PaygateMerchant(ctx, "kassa_M1")
		if err != nil {
			return err
		}
		same(got, &rotated)
		return nil
	})
	missing := rotated
	missing.MerchantID = "kassa_nope"
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.UpdatePaygateMerchant(ctx, &missing) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of unknown MerchantID: got %v, want ErrNotFound", err)
	}
}
