package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"kassa/internal/paygate"
	"kassa/internal/store"
)

// ProcessPaygateBatch credits every record of a parsed batch file through
// PaygateCredit, one transaction per record: a record that fails gets
// FAILED and its code and does not stop the others. Each record carries a
// ReqId derived from its content, so processing the same file again
// credits nothing twice and reports the first run's results. With
// accountID set (an upload), every record's merchant must be that
// account's. progress, when set, is told after each record.
func (g *Gateway) ProcessPaygateBatch(ctx context.Context, accountID string, b *paygate.Batch, progress func(done, total int)) error {
	for i := range b.Records {
		r := &b.Records[i]
		if err := g.creditBatchRecord(ctx, accountID, r); err != nil {
			return err
		}
		if progress != nil {
			progress(i+1, len(b.Records))
		}
	}
	return nil
}

func (g *Gateway) creditBatchRecord(ctx context.Context, accountID string, r *paygate.BatchRecord) error {
	m, err := g.PaygateMerchant(ctx, r.MerchantID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && accountID != "" && m.AccountID != accountID) {
		r.Status, r.Code = paygate.StatusFailed, paygate.FieldError(paygate.ModuleInvalid, "MerchantID", "").Code
		return nil
	}
	if err != nil {
		return err
	}
	_, c, err := g.PaygateCredit(ctx, m.MerchantID, PaygateCreditInput{
		PayID: r.PayID, TransID: r.TransID, Currency: r.Currency, RefNr: r.RefNr, Amount: r.Amount,
		ReqID: batchReqID(r),
	})
	var pe *paygate.Error
	switch {
	case errors.As(err, &pe):
		r.Status, r.Code = paygate.StatusFailed, pe.Code
	case err != nil:
		return err
	default:
		r.Status, r.Code = c.Status, c.Code
	}
	return nil
}

// batchReqID is a record's ReqId: "B" and 31 hex digits of its content's
// hash, the same every time the same record is submitted.
func batchReqID(r *paygate.BatchRecord) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{"batch", r.MerchantID, r.PayID, r.TransID,
		strconv.FormatInt(r.Amount, 10), r.Currency, r.RefNr}, "\x00")))
	return "B" + hex.EncodeToString(sum[:])[:31]
}
