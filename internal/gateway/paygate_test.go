package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/paygate"
	"kassa/internal/secrets"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
)

func paygateGateway(t *testing.T) (*gateway.Gateway, string) {
	t.Helper()
	box, err := secrets.NewBox(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	gw := &gateway.Gateway{Store: testdb.Open(t), Clock: clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), Secrets: box}
	keys, err := gw.CreateAccount(context.Background(), "Shop")
	if err != nil {
		t.Fatal(err)
	}
	return gw, keys.ID
}

func storedMerchant(t *testing.T, gw *gateway.Gateway, merchantID string) *paygate.Merchant {
	t.Helper()
	var m *paygate.Merchant
	err := gw.Store.Read(context.Background(), func(r store.Reader) (err error) {
		m, err = r.PaygateMerchant(context.Background(), merchantID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPaygateCredentialsAreSealedAndOpen: the keys printed once work with
// the cipher and MAC Kassa opens from the store, where they are sealed.
func TestPaygateCredentialsAreSealedAndOpen(t *testing.T) {
	ctx := context.Background()
	gw, acct := paygateGateway(t)
	creds, err := gw.CreatePaygateCredentials(ctx, acct, paygate.Blowfish, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds.MerchantID) > 30 || len(creds.EncryptionKey) != 16 || len(creds.HMACKey) != 32 || creds.Algorithm != paygate.Blowfish {
		t.Fatalf("credentials %+v", creds)
	}
	m := storedMerchant(t, gw, creds.MerchantID)
	if m.AccountID != acct || bytes.Contains(m.SealedEncryptionKey, []byte(creds.EncryptionKey)) || bytes.Contains(m.SealedHMACKey, []byte(creds.HMACKey)) {
		t.Fatalf("stored %+v: keys must be sealed", m)
	}
	c, hmacKey, err := gw.PaygateKeys(m)
	if err != nil {
		t.Fatal(err)
	}
	shop, _ := paygate.NewCipher(paygate.Blowfish, []byte(creds.EncryptionKey))
	data, n := shop.Encrypt("TransID=1&Amount=100")
	if plain, err := c.Decrypt(data, n); err != nil || plain != "TransID=1&Amount=100" {
		t.Errorf("Kassa decrypting the shop's Data: %q, %v", plain, err)
	}
	if !bytes.Equal(hmacKey, []byte(creds.HMACKey)) {
		t.Error("the opened HMAC key is not the one printed")
	}

	// A sealed key moved to the other column does not open.
	swapped := *m
	swapped.SealedEncryptionKey, swapped.SealedHMACKey = m.SealedHMACKey, m.SealedEncryptionKey
	if _, _, err := gw.PaygateKeys(&swapped); err == nil {
		t.Error("swapped sealed keys opened")
	}
}

func TestPaygateCredentialsOncePerAccountUnlessRotated(t *testing.T) {
	ctx := context.Background()
	gw, acct := paygateGateway(t)
	first, err := gw.CreatePaygateCredentials(ctx, acct, paygate.Blowfish, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.CreatePaygateCredentials(ctx, acct, paygate.AES, false); !errors.Is(err, gateway.ErrPaygateCredentialsExist) {
		t.Fatalf("second set without rotate: %v", err)
	}
	rotated, err := gw.CreatePaygateCredentials(ctx, acct, paygate.AES, true)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.MerchantID != first.MerchantID || rotated.EncryptionKey == first.EncryptionKey || rotated.HMACKey == first.HMACKey || len(rotated.EncryptionKey) != 32 {
		t.Fatalf("rotation gave %+v after %+v", rotated, first)
	}
	c, hmacKey, err := gw.PaygateKeys(storedMerchant(t, gw, first.MerchantID))
	if err != nil {
		t.Fatal(err)
	}
	shop, _ := paygate.NewCipher(paygate.AES, []byte(rotated.EncryptionKey))
	data, n := shop.Encrypt("a=1")
	if plain, err := c.Decrypt(data, n); err != nil || plain != "a=1" || string(hmacKey) != rotated.HMACKey {
		t.Errorf("after rotation: %q, %v", plain, err)
	}
	if _, err := gw.CreatePaygateCredentials(ctx, "acct_missing", paygate.Blowfish, false); err == nil {
		t.Error("credentials for an unknown account")
	}
}
