package gateway

import (
	"context"
	"errors"
	"fmt"

	"kassa/internal/ids"
	"kassa/internal/paygate"
	"kassa/internal/store"
)

// PaygateCredentials are an account's Paygate MerchantID and keys in the
// clear, shown once when made: the store keeps the keys sealed.
type PaygateCredentials struct {
	MerchantID    string            `json:"merchant_id"`
	Algorithm     paygate.Algorithm `json:"algorithm"`
	EncryptionKey string            `json:"encryption_key"`
	HMACKey       string            `json:"hmac_key"`
}

// ErrPaygateCredentialsExist: the account has credentials and the caller
// did not ask to rotate them.
var ErrPaygateCredentialsExist = errors.New("the account already has Paygate credentials (rotate to replace its keys)")

// Key sizes: Blowfish passwords as long as Computop issues them, AES-256.
const (
	paygateBlowfishKeyLen = 16
	paygateAESKeyLen      = 32
	paygateHMACKeyLen     = 32
)

// CreatePaygateCredentials gives an account a MerchantID and fresh keys.
// With rotate, an account that has credentials keeps its MerchantID and
// gets new keys (and algorithm); without it, that is refused.
func (g *Gateway) CreatePaygateCredentials(ctx context.Context, accountID string, alg paygate.Algorithm, rotate bool) (PaygateCredentials, error) {
	keyLen := paygateBlowfishKeyLen
	if alg == paygate.AES {
		keyLen = paygateAESKeyLen
	}
	creds := PaygateCredentials{Algorithm: alg, EncryptionKey: ids.Random(keyLen), HMACKey: ids.Random(paygateHMACKeyLen)}
	if _, err := paygate.NewCipher(alg, []byte(creds.EncryptionKey)); err != nil {
		return PaygateCredentials{}, err
	}
	err := g.Store.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.Account(ctx, accountID); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no account %s", accountID)
		} else if err != nil {
			return err
		}
		existing, err := tx.PaygateMerchantOfAccount(ctx, accountID)
		switch {
		case err == nil && !rotate:
			return ErrPaygateCredentialsExist
		case err == nil:
			creds.MerchantID = existing.MerchantID
			g.sealPaygateKeys(existing, creds)
			return tx.UpdatePaygateMerchant(ctx, existing)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		creds.MerchantID = "kassa_" + ids.Random(16)
		m := &paygate.Merchant{MerchantID: creds.MerchantID, AccountID: accountID, Created: g.Clock.Now()}
		g.sealPaygateKeys(m, creds)
		return tx.InsertPaygateMerchant(ctx, m)
	})
	if err != nil {
		return PaygateCredentials{}, err
	}
	return creds, nil
}

// The keys are sealed bound to the MerchantID and their purpose, so a
// sealed key copied to another row or column does not open there.
func paygateSealContext(merchantID, purpose string) []byte {
	return []byte("paygate:" + purpose + ":" + merchantID)
}

func (g *Gateway) sealPaygateKeys(m *paygate.Merchant, creds PaygateCredentials) {
	m.Algorithm = creds.Algorithm
	m.SealedEncryptionKey = g.Secrets.Seal([]byte(creds.EncryptionKey), paygateSealContext(m.MerchantID, "encryption"))
	m.SealedHMACKey = g.Secrets.Seal([]byte(creds.HMACKey), paygateSealContext(m.MerchantID, "hmac"))
}

// PaygateKeys opens a merchant's keys: the cipher for its Data and the
// HMAC key for its MACs.
func (g *Gateway) PaygateKeys(m *paygate.Merchant) (*paygate.Cipher, []byte, error) {
	enc, err := g.Secrets.Open(m.SealedEncryptionKey, paygateSealContext(m.MerchantID, "encryption"))
	if err != nil {
		return nil, nil, err
	}
	hmacKey, err := g.Secrets.Open(m.SealedHMACKey, paygateSealContext(m.MerchantID, "hmac"))
	if err != nil {
		return nil, nil, err
	}
	c, err := paygate.NewCipher(m.Algorithm, enc)
	if err != nil {
		return nil, nil, err
	}
	return c, hmacKey, nil
}
