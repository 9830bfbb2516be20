package gateway

import (
	"context"
	"errors"

	"kassa/internal/paygate"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// PaygateCreditInput is a decoded credit.aspx request.
type PaygateCreditInput struct {
	PayID, TransID, Currency, ReqID, RefNr string
	Amount                                 int64
}

// PaygateCredit credits (refunds) part or all of a merchant's Paygate
// payment through the refund engine, in one transaction with the
// payment's record: never beyond what was captured (the engine's guard),
// never before the shop answered the payment's first notify, and a
// repeated ReqId returns the original credit and does nothing. A refusal
// that concerns the request comes back as a *paygate.Error; one from the
// refund engine as a credit with Status FAILED, kept like any other.
func (g *Gateway) PaygateCredit(ctx context.Context, merchantID string, in PaygateCreditInput) (*paygate.Payment, *paygate.Credit, error) {
	var p *paygate.Payment
	var credit *paygate.Credit
	err := g.Store.Write(ctx, func(tx store.Tx) error {
		var err error
		p, err = g.merchantPayment(ctx, tx, merchantID, in.PayID)
		if err != nil {
			return err
		}
		if credit = p.CreditByReqID(in.ReqID); credit != nil {
			return nil
		}
		switch {
		case p.Status != paygate.StatusOK:
			return &paygate.Error{Code: paygate.OutcomeCode(paygate.DetailNotPaid), Description: "PayID: the payment did not succeed; there is nothing to credit"}
		case p.Notify.State != paygate.NotifyAnswered:
			return &paygate.Error{Code: paygate.OutcomeCode(paygate.DetailNotifyUnanswered), Description: "the shop has not yet answered the payment's notify; credit after it has"}
		case in.Currency != p.Currency:
			return paygate.FieldError(paygate.ModuleNotAllowed, "Currency", "must be the payment's currency, "+p.Currency)
		}
		c := paygate.Credit{XID: paygate.NewPaymentID(), TransID: in.TransID, ReqID: in.ReqID, RefNr: in.RefNr,
			Amount: in.Amount, Created: g.Clock.Now()}
		r, err := g.CreateRefund(ctx, tx, &Caller{AccountID: p.AccountID}, CreateRefundInput{
			PaymentIntent: p.IntentID,
			RefundInput: payments.RefundInput{Amount: &in.Amount, Metadata: map[string]string{
				"paygate_pay_id": p.PayID, "paygate_xid": c.XID, "paygate_trans_id": in.TransID}},
		})
		var de *payments.Error
		switch {
		case errors.As(err, &de):
			c.Status, c.Code, c.Description = paygate.StatusFailed, creditRefusal(de), de.Message
		case err != nil:
			return err
		default:
			c.RefundID, c.Status, c.Code, c.Description = r.ID, paygate.StatusOK, paygate.CodeOK, "success"
		}
		p.Credits = append(p.Credits, c)
		credit = &p.Credits[len(p.Credits)-1]
		return tx.UpdatePaygatePayment(ctx, p)
	})
	if err != nil {
		return nil, nil, err
	}
	return p, credit, nil
}

// creditRefusal is the code of a credit the refund engine refused: an
// amount beyond what is left names Amount; anything else the payment.
func creditRefusal(de *payments.Error) paygate.Code {
	if de.Param == "amount" {
		return paygate.FieldError(paygate.ModuleInvalid, "Amount", "").Code
	}
	return paygate.FieldError(paygate.ModuleInvalid, "PayID", "").Code
}

// merchantPayment loads a payment of this merchant (another merchant's
// PayID is as unknown as a made-up one).
func (g *Gateway) merchantPayment(ctx context.Context, tx store.Reader, merchantID, payID string) (*paygate.Payment, error) {
	p, err := tx.PaygatePayment(ctx, payID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.MerchantID != merchantID) {
		return nil, paygate.FieldError(paygate.ModuleInvalid, "PayID", "is not a payment of this merchant")
	}
	return p, err
}

// PaygateInquiry is what inquire.aspx reports of a payment.
type PaygateInquiry struct {
	Payment                           *paygate.Payment
	AmountAuth, AmountCap, AmountCred int64
	// LastStatus is the payment's own: OK, FAILED, or PENDING while the
	// customer is at the bank.
	LastStatus string
}

// InquirePaygate reads a merchant's payment and its amounts from the
// payment's charge: authorised, captured, and credited (refunds that
// have not failed).
func (g *Gateway) InquirePaygate(ctx context.Context, merchantID, payID string) (PaygateInquiry, error) {
	var q PaygateInquiry
	err := g.Store.Read(ctx, func(r store.Reader) error {
		p, err := g.merchantPayment(ctx, r, merchantID, payID)
		if err != nil {
			return err
		}
		q.Payment, q.LastStatus = p, p.Status
		if q.LastStatus == "" {
			q.LastStatus = "PENDING"
		}
		pi, err := r.Intent(ctx, p.AccountID, p.IntentID)
		if err != nil {
			return err
		}
		ch, err := g.latestCharge(ctx, r, pi)
		if err != nil || ch == nil || ch.Status != payments.ChargeSucceeded {
			return err
		}
		q.AmountAuth, q.AmountCap, q.AmountCred = ch.Amount, ch.AmountCaptured, ch.Refunds()
		return nil
	})
	return q, err
}
