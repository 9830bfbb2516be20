package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

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

func paygatePayment(payID, accountID, intentID string) *paygate.Payment {
	return &paygate.Payment{PayID: payID, XID: "x" + payID, AccountID: accountID, MerchantID: "kassa_M1", IntentID: intentID,
		TransID: "T-" + payID, Amount: 1999, Currency: "EUR", OrderDesc: "Order", AccOwner: "Max Muster", Country: "DE",
		URLSuccess: "https://shop.example/ok", URLFailure: "https://shop.example/fail", URLNotify: "https://shop.example/notify",
		Created: t0}
}

func claimNotifies(t *testing.T, s store.Store, claim string, now time.Time, limit int) []*paygate.Payment {
	t.Helper()
	var got []*paygate.Payment
	write(t, s, func(tx store.Tx) (err error) {
		got, err = tx.ClaimPaygateNotifies(ctx, claim, now, now.Add(time.Minute), limit)
		return err
	})
	return got
}

func payIDs(ps []*paygate.Payment) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.PayID)
	}
	return out
}

func testPaygatePayments(t *testing.T, s store.Store) {
	account(t, s, "acct_pp1")
	account(t, s, "acct_pp2")
	open := paygatePayment("p1", "acct_pp1", "pi_1")
	open.ReqID = "R1"
	write(t, s, func(tx store.Tx) error { return tx.InsertPaygatePayment(ctx, open) })
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.InsertPaygatePayment(ctx, paygatePayment("p1", "acct_pp1", "pi_9")) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second payment with PayID p1: %v", err)
	}

	read(t, s, func(r store.Reader) error {
		got, err := r.PaygatePayment(ctx, "p1")
		if err != nil || !reflect.DeepEqual(got, open) {
			t.Errorf("PaygatePayment = %+v, %v; want %+v", got, err, open)
		}
		if got, err := r.PaygatePaymentByIntent(ctx, "acct_pp1", "pi_1"); err != nil || got.PayID != "p1" {
			t.Errorf("by intent: %v, %v", got, err)
		}
		if _, err := r.PaygatePaymentByIntent(ctx, "acct_pp2", "pi_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another account's intent: %v", err)
		}
		if _, err := r.FinalPaygatePaymentByReqID(ctx, "kassa_M1", "R1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an open payment is no ReqId replay: %v", err)
		}
		return nil
	})

	// Settled, the payment owes a notify and answers its ReqId.
	open.Settle(paygate.StatusOK, paygate.CodeOK, "success", t0)
	write(t, s, func(tx store.Tx) error { return tx.UpdatePaygatePayment(ctx, open) })
	second := paygatePayment("p2", "acct_pp1", "pi_2")
	second.ReqID = "R1"
	second.Settle(paygate.StatusFailed, "20500001", "declined", t0.Add(time.Second))
	write(t, s, func(tx store.Tx) error { return tx.InsertPaygatePayment(ctx, second) })
	read(t, s, func(r store.Reader) error {
		got, err := r.FinalPaygatePaymentByReqID(ctx, "kassa_M1", "R1")
		if err != nil || got.PayID != "p2" {
			t.Errorf("latest final payment of R1: %v, %v", got, err)
		}
		if _, err := r.FinalPaygatePaymentByReqID(ctx, "kassa_other", "R1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ReqIds are per merchant: %v", err)
		}
		return nil
	})

	// Due notifies are leased once; the lease hides them until it ends.
	if got := claimNotifies(t, s, "c0", t0.Add(-time.Second), 10); len(got) != 0 {
		t.Errorf("nothing is due before t0, claimed %v", payIDs(got))
	}
	got := claimNotifies(t, s, "c1", t0.Add(time.Second), 10)
	if !reflect.DeepEqual(payIDs(got), []string{"p1", "p2"}) || got[0].Claim != "c1" {
		t.Fatalf("claimed %v", payIDs(got))
	}
	if again := claimNotifies(t, s, "c2", t0.Add(30*time.Second), 10); len(again) != 0 {
		t.Errorf("leased notifies claimed again: %v", payIDs(again))
	}
	read(t, s, func(r store.Reader) error {
		p, err := r.PaygatePayment(ctx, "p1")
		if err != nil || p.Claim != "c1" || !p.LeaseUntil.Equal(t0.Add(time.Second+time.Minute)) {
			t.Errorf("lease of p1: %+v, %v", p, err)
		}
		return nil
	})
	// p1 answered, p2 refused once: p2 comes back after its delay, p1 never.
	got[0].NotifyTried(true, "", t0.Add(2*time.Second))
	got[1].NotifyTried(false, "HTTP 500", t0.Add(2*time.Second))
	write(t, s, func(tx store.Tx) error {
		for _, p := range got {
			if err := tx.UpdatePaygatePayment(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if early := claimNotifies(t, s, "c3", t0.Add(time.Minute), 10); len(early) != 0 {
		t.Errorf("claimed before the retry delay: %v", payIDs(early))
	}
	if later := claimNotifies(t, s, "c4", t0.Add(2*time.Second+paygate.NotifySchedule[0]), 10); !reflect.DeepEqual(payIDs(later), []string{"p2"}) || later[0].Notify.Attempts != 1 {
		t.Errorf("after the delay: %v", payIDs(later))
	}
}

func testPaygateNotifyClaimsAreExclusive(t *testing.T, s store.Store) {
	account(t, s, "acct_pp")
	write(t, s, func(tx store.Tx) error {
		for i := range 60 {
			p := paygatePayment(fmt.Sprintf("p%02d", i), "acct_pp", fmt.Sprintf("pi_%02d", i))
			p.Settle(paygate.StatusOK, paygate.CodeOK, "", t0)
			if err := tx.InsertPaygatePayment(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var got []*paygate.Payment
				err := s.Write(ctx, func(tx store.Tx) (err error) {
					got, err = tx.ClaimPaygateNotifies(ctx, fmt.Sprint("c", w), t0, t0.Add(time.Minute), 4)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, p := range got {
					if other, dup := seen[p.PayID]; dup {
						t.Errorf("%s claimed by %s and %s", p.PayID, other, p.Claim)
					}
					seen[p.PayID] = p.Claim
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 60 {
		t.Errorf("claimed %d of 60", len(seen))
	}
}
