package sqlite

import (
	"context"

	"kassa/internal/paygate"
)

const paygateColumns = `merchant_id, account_id, algorithm, encryption_key, hmac_key, created`

func (r *reader) paygateMerchant(ctx context.Context, where string, arg string) (*paygate.Merchant, error) {
	var m paygate.Merchant
	var created int64
	err := r.q.QueryRowContext(ctx, `SELECT `+paygateColumns+` FROM paygate_merchants WHERE `+where+` = ?`, arg).
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
	_, err := t.tx.ExecContext(ctx, `INSERT INTO paygate_merchants (`+paygateColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		m.MerchantID, m.AccountID, string(m.Algorithm), m.SealedEncryptionKey, m.SealedHMACKey, nanos(m.Created))
	return uniqueConflict(err)
}

func (t *txn) UpdatePaygateMerchant(ctx context.Context, m *paygate.Merchant) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE paygate_merchants SET algorithm = ?, encryption_key = ?, hmac_key = ? WHERE merchant_id = ?`,
		string(m.Algorithm), m.SealedEncryptionKey, m.SealedHMACKey, m.MerchantID)
	return expectOne(res, err)
}
