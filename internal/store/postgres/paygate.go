package postgres

import (
	"context"

	"kassa/internal/paygate"
)

const paygateColumns = `merchant_id, account_id, algorithm, encryption_key, hmac_key, created`

// paygateMerchant locks the row in a write transaction: it is loaded to
// be rotated.
func (r *reader) paygateMerchant(ctx context.Context, where string, arg string) (*paygate.Merchant, error) {
	var m paygate.Merchant
	var created int64
	err := r.q.QueryRow(ctx, `SELECT `+paygateColumns+` FROM paygate_merchants WHERE `+where+` = $1`+r.forUpdate(), arg).
		Scan(&m.MerchantID, &m.AccountID, &m.Algorithm, &m.SealedEncryptionKey, &m.SealedHMACKey, &created)
	if err != nil {
		return nil, notFound(err)
	}
	m.Created = fromNanos(created)
	return &m, nil
}

func (r *reader) PaygateMerchant(ctx context.Context, merchantID string) (*paygate.Merchant, error) {
	return r.paygateMerchant(ctx, "merchant_id", merchantID)
}

func (r *reader) PaygateMerchantOfAccount(ctx context.Context, accountID string) (*paygate.Merchant, error) {
	return r.paygateMerchant(ctx, "account_id", accountID)
}

func (t *txn) InsertPaygateMerchant(ctx context.Context, m *paygate.Merchant) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO paygate_merchants (`+paygateColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.MerchantID, m.AccountID, string(m.Algorithm), m.SealedEncryptionKey, m.SealedHMACKey, nanos(m.Created))
	return uniqueConflict(err)
}

func (t *txn) UpdatePaygateMerchant(ctx context.Context, m *paygate.Merchant) error {
	tag, err := t.tx.Exec(ctx, `UPDATE paygate_merchants SET algorithm = $1, encryption_key = $2, hmac_key = $3 WHERE merchant_id = $4`,
		string(m.Algorithm), m.SealedEncryptionKey, m.SealedHMACKey, m.MerchantID)
	return expectOne(tag, err)
}
