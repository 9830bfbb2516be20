package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"kassa/internal/paygate"
	"kassa/internal/store"
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

const paymentColumns = `data, claim, lease_until`

func scanPaygatePayment(row pgx.Row) (*paygate.Payment, error) {
	var data []byte
	var claim *string
	var lease *int64
	if err := row.Scan(&data, &claim, &lease); err != nil {
		return nil, notFound(err)
	}
	p, err := store.Decode[paygate.Payment](data)
	if err != nil {
		return nil, err
	}
	if claim != nil {
		p.Claim = *claim
	}
	if lease != nil {
		p.LeaseUntil = fromNanos(*lease)
	}
	return p, nil
}

// PaygatePayment locks the payment in a write transaction: it is loaded
// to be settled, credited or to record a notify.
func (r *reader) PaygatePayment(ctx context.Context, payID string) (*paygate.Payment, error) {
	return scanPaygatePayment(r.q.QueryRow(ctx, `SELECT `+paymentColumns+` FROM paygate_payments WHERE pay_id = $1`+r.forUpdate(), payID))
}

func (r *reader) PaygatePaymentByIntent(ctx context.Context, accountID, intentID string) (*paygate.Payment, error) {
	return scanPaygatePayment(r.q.QueryRow(ctx, `SELECT `+paymentColumns+` FROM paygate_payments WHERE account_id = $1 AND intent_id = $2`+r.forUpdate(), accountID, intentID))
}

func (r *reader) FinalPaygatePaymentByReqID(ctx context.Context, merchantID, reqID string) (*paygate.Payment, error) {
	return scanPaygatePayment(r.q.QueryRow(ctx, `SELECT `+paymentColumns+` FROM paygate_payments
		WHERE merchant_id = $1 AND req_id = $2 AND status != '' ORDER BY seq DESC LIMIT 1`, merchantID, reqID))
}

// paymentRow is the columns derived from a payment.
func paymentRow(p *paygate.Payment) (reqID *string, notifyNext *int64, claim *string, lease *int64, data string, err error) {
	if p.ReqID != "" {
		reqID = &p.ReqID
	}
	if p.Notify.State == paygate.NotifyPending {
		n := nanos(p.Notify.NextAt)
		notifyNext = &n
	}
	claim, lease = leaseColumns(p.Claim, p.LeaseUntil)
	b, err := json.Marshal(p)
	return reqID, notifyNext, claim, lease, string(b), err
}

func (t *txn) InsertPaygatePayment(ctx context.Context, p *paygate.Payment) error {
	reqID, next, claim, lease, data, err := paymentRow(p)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO paygate_payments
		(pay_id, account_id, merchant_id, intent_id, req_id, status, notify_next_at, claim, lease_until, created, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		p.PayID, p.AccountID, p.MerchantID, p.IntentID, reqID, p.Status, next, claim, lease, nanos(p.Created), data)
	return uniqueConflict(err)
}

func (t *txn) UpdatePaygatePayment(ctx context.Context, p *paygate.Payment) error {
	_, next, claim, lease, data, err := paymentRow(p)
	if err != nil {
		return err
	}
	tag, err := t.tx.Exec(ctx, `UPDATE paygate_payments SET status = $1, notify_next_at = $2, claim = $3, lease_until = $4, data = $5
		WHERE pay_id = $6`, p.Status, next, claim, lease, data, p.PayID)
	return expectOne(tag, err)
}

// ClaimPaygateNotifies skips rows other instances hold locked, so senders
// on several instances lease disjoint payments.
func (t *txn) ClaimPaygateNotifies(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]*paygate.Payment, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+paymentColumns+` FROM paygate_payments
		WHERE notify_next_at IS NOT NULL AND notify_next_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
		ORDER BY notify_next_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED`, nanos(now), limit)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*paygate.Payment, error) { return scanPaygatePayment(row) })
	if err != nil {
		return nil, err
	}
	for _, p := range out {
		p.Claim, p.LeaseUntil = claim, leaseUntil
		if _, err := t.tx.Exec(ctx, `UPDATE paygate_payments SET claim = $1, lease_until = $2 WHERE pay_id = $3`,
			claim, nanos(leaseUntil), p.PayID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
