package gateway

import (
	"context"
	"errors"
	"strings"
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/paygate"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// PaygateReturnPath is where the bank sends the customer back to Kassa,
// which then forwards them to the shop's URLSuccess or URLFailure.
const PaygateReturnPath = "/paygate/return/"

// StartPaygatePayment creates the Sofort PaymentIntent that carries p,
// confirms it (the sandbox bank takes the customer) and stores p, all in
// one transaction. It returns the bank's address for the customer.
func (g *Gateway) StartPaygatePayment(ctx context.Context, p *paygate.Payment) (string, error) {
	cur, err := money.ParseCurrency(p.Currency)
	if err != nil {
		return "", &payments.Error{Code: payments.CodeParameterInvalid, Param: "currency", Message: err.Error()}
	}
	var redirect string
	err = g.Store.Write(ctx, func(tx store.Tx) error {
		c := &Caller{AccountID: p.AccountID}
		pi, err := g.CreateIntent(ctx, tx, c, CreateIntentInput{
			IntentInput: payments.IntentInput{
				Amount: p.Amount, Currency: cur, Description: p.OrderDesc,
				PaymentMethodTypes: []methods.Type{methods.Sofort},
				Metadata:           map[string]string{"paygate_pay_id": p.PayID, "paygate_trans_id": p.TransID},
			},
			Method: MethodChoice{Data: &PaymentMethodInput{Type: methods.Sofort, BillingDetails: payments.BillingDetails{
				Name: p.AccOwner, Address: payments.Address{Country: p.Country}}}},
			Confirm:   true,
			ReturnURL: strings.TrimRight(g.PublicURL, "/") + PaygateReturnPath + p.PayID,
		})
		if err != nil {
			return err
		}
		if pi.Pending == nil {
			return errors.New("gateway: a confirmed Sofort intent has no redirect")
		}
		p.IntentID, p.Created, redirect = pi.ID, g.Clock.Now(), pi.Pending.RedirectURL
		return tx.InsertPaygatePayment(ctx, p)
	})
	return redirect, err
}

// settlePaygate gives a Paygate payment its result when the intent that
// carries it ends, in the transaction that ends it: the notify is owed
// exactly when the outcome commits. Called by record for every change.
func (g *Gateway) settlePaygate(ctx context.Context, tx store.Tx, events []payments.Event) error {
	for _, e := range events {
		pi, ok := e.Object.(*payments.PaymentIntent)
		if !ok {
			continue
		}
		status, code, description := paygateOutcome(e.Type, pi)
		if status == "" {
			continue
		}
		p, err := tx.PaygatePaymentByIntent(ctx, pi.AccountID, pi.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue // not a Paygate payment
		}
		if err != nil {
			return err
		}
		if p.Settle(status, code, description, g.Clock.Now()) {
			if err := tx.UpdatePaygatePayment(ctx, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// paygateOutcome maps the event that ends an intent to Paygate's Status,
// Code and Description; "" for events that end nothing.
func paygateOutcome(eventType string, pi *payments.PaymentIntent) (string, paygate.Code, string) {
	switch eventType {
	case payments.EventIntentSucceeded:
		return paygate.StatusOK, paygate.CodeOK, "success"
	case payments.EventIntentPaymentFailed:
		detail, message := paygate.DetailDeclined, "The payment was not authorized."
		if e := pi.LastPaymentError; e != nil {
			message = e.Message
			if e.Code == payments.CodeAttemptExpired {
				detail = paygate.DetailExpired
			}
		}
		return paygate.StatusFailed, paygate.OutcomeCode(detail), message
	case payments.EventIntentCanceled:
		return paygate.StatusFailed, paygate.OutcomeCode(paygate.DetailCanceled), "The payment was canceled."
	}
	return "", "", ""
}

// PaygatePayment loads a payment by PayID with its merchant.
func (g *Gateway) PaygatePayment(ctx context.Context, payID string) (*paygate.Payment, *paygate.Merchant, error) {
	var p *paygate.Payment
	var m *paygate.Merchant
	err := g.Store.Read(ctx, func(r store.Reader) error {
		var err error
		if p, err = r.PaygatePayment(ctx, payID); err != nil {
			return err
		}
		m, err = r.PaygateMerchant(ctx, p.MerchantID)
		return err
	})
	return p, m, err
}

// PaygatePaymentIntent loads the intent carrying p (where a customer who
// comes back too early is sent).
func (g *Gateway) PaygatePaymentIntent(ctx context.Context, p *paygate.Payment) (*payments.PaymentIntent, error) {
	var pi *payments.PaymentIntent
	err := g.Store.Read(ctx, func(r store.Reader) (err error) {
		pi, err = r.Intent(ctx, p.AccountID, p.IntentID)
		return err
	})
	return pi, err
}

// ReplayPaygateReqID finds the final payment a merchant made with reqID,
// or nil: a repeated ReqId returns that result and does nothing else.
func (g *Gateway) ReplayPaygateReqID(ctx context.Context, merchantID, reqID string) (*paygate.Payment, error) {
	if reqID == "" {
		return nil, nil
	}
	var p *paygate.Payment
	err := g.Store.Read(ctx, func(r store.Reader) (err error) {
		p, err = r.FinalPaygatePaymentByReqID(ctx, merchantID, reqID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return p, err
}

// PaygateMerchant loads credentials by MerchantID.
func (g *Gateway) PaygateMerchant(ctx context.Context, merchantID string) (*paygate.Merchant, error) {
	var m *paygate.Merchant
	err := g.Store.Read(ctx, func(r store.Reader) (err error) {
		m, err = r.PaygateMerchant(ctx, merchantID)
		return err
	})
	return m, err
}

// ClaimPaygateNotifies leases up to limit due notifies for leaseFor.
func (g *Gateway) ClaimPaygateNotifies(ctx context.Context, claim string, leaseFor time.Duration, limit int) ([]*paygate.Payment, error) {
	var out []*paygate.Payment
	now := g.Clock.Now()
	err := g.Store.Write(ctx, func(tx store.Tx) (err error) {
		out, err = tx.ClaimPaygateNotifies(ctx, claim, now, now.Add(leaseFor), limit)
		return err
	})
	return out, err
}

// RecordPaygateNotify records one try of a notify leased under claim. A
// try whose lease ran out (and was claimed again) changes nothing.
func (g *Gateway) RecordPaygateNotify(ctx context.Context, payID, claim string, answered bool, failure string) (bool, error) {
	applied := false
	err := g.Store.Write(ctx, func(tx store.Tx) error {
		p, err := tx.PaygatePayment(ctx, payID)
		if err != nil {
			return err
		}
		if p.Claim != claim || p.Notify.State != paygate.NotifyPending {
			return nil
		}
		p.NotifyTried(answered, failure, g.Clock.Now())
		applied = true
		return tx.UpdatePaygatePayment(ctx, p)
	})
	return applied, err
}
