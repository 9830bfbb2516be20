package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"kassa/internal/paygate"
	"kassa/internal/store"
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

const paymentColumns = `data, claim, lease_until`

func scanPaygatePayment(scan func(...any) error) (*paygate.Payment, error) {
	var data []byte
	var claim sql.NullString
	var lease sql.NullInt64
	if err := scan(&data, &claim, &lease); err != nil {
		return nil, notFound(err)
	}
	p, err := store.Decode[paygate.Payment](data)
	if err != nil {
		return nil, err
	}
	p.Claim = claim.String
	if lease.Valid {
		p.LeaseUntil = fromNanos(lease.Int64)
	}
	return p, nil
}

func (r *reader) PaygatePayment(ctx context.Context, payID string) (*paygate.Payment, error) {
	return scanPaygatePayment(r.q.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM paygate_payments WHERE pay_id = ?`, payID).Scan)
}

func (r *reader) PaygatePaymentByIntent(ctx context.Context, accountID, intentID string) (*paygate.Payment, error) {
	return scanPaygatePayment(r.q.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM paygate_payments WHERE account_id = ? AND intent_id = ?`, accountID, intentID).Scan)
}

func (r *reader) FinalPaygatePaymentByReqID(ctx context.Context, merchantID, reqID string) (*paygate.Payment, error) {
	return scanPaygatePayment(r.q.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM paygate_payments
		WHERE merchant_id = ? AND req_id = ? AND status != '' ORDER BY seq DESC LIMIT 1`, merchantID, reqID).Scan)
}

// paymentRow is the columns derived from a payment.
func paymentRow(p *paygate.Payment) (reqID, notifyNext, claim, lease any, data []byte, err error) {
	if p.ReqID != "" {
		reqID = p.ReqID
	}
	if p.Notify.State == paygate.NotifyPending {
		notifyNext = nanos(p.Notify.NextAt)
	}
	claim, lease = leaseColumns(p.Claim, p.LeaseUntil)
	data, err = json.Marshal(p)
	return
}

func (t *txn) InsertPaygatePayment(ctx context.Context, p *paygate.Payment) error {
	reqID, next, claim, lease, data, err := paymentRow(p)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO paygate_payments
		(pay_id, account_id, merchant_id, intent_id, req_id, status, notify_next_at, claim, lease_until, created, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.PayID, p.AccountID, p.MerchantID, p.IntentID, reqID, p.Status, next, claim, lease, nanos(p.Created), data)
	return uniqueConflict(err)
}

func (t *txn) UpdatePaygatePayment(ctx context.Context, p *paygate.Payment) error {
	_, next, claim, lease, data, err := paymentRow(p)
	if err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE paygate_payments SET status = ?, notify_next_at = ?, claim = ?, lease_until = ?, data = ?
		WHERE pay_id = ?`, p.Status, next, claim, lease, data, p.PayID)
	return expectOne(res, err)
}

// ClaimPaygateNotifies: SQLite has one writer at a time, so selecting and
// leasing in one write transaction is exclusive.
func (t *txn) ClaimPaygateNotifies(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]*paygate.Payment, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+paymentColumns+` FROM paygate_payments
		WHERE notify_next_at IS NOT NULL AND notify_next_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
		ORDER BY notify_next_at, seq LIMIT ?`, nanos(now), nanos(now), limit)
	if err != nil {
		return nil, err
	}
	var out []*paygate.Payment
	for rows.Next() {
		p, err := scanPaygatePayment(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range out {
		p.Claim, p.LeaseUntil = claim, leaseUntil
		if _, err := t.tx.ExecContext(ctx, `UPDATE paygate_payments SET claim = ?, lease_until = ? WHERE pay_id = ?`,
			claim, nanos(leaseUntil), p.PayID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
