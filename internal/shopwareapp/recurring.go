package shopwareapp

import (
	"errors"
	"net/http"

	"kassa/internal/gateway"
	"kassa/internal/payments"
	"kassa/internal/shopware"
	"kassa/internal/store"
)

// recurring answers Shopware's charge of a subscription's later order. The
// first order's pay saved the customer's agreement (Vipps, the one method
// whose agreements are reusable) under the subscription id; this charges
// it off-session, with no redirect, and answers paid, or fail with the
// reason. A repeated call for the same order transaction answers the same
// and charges nothing more.
func (s *Server) recurring(w http.ResponseWriter, r *http.Request) {
	p, shop, secret, err := s.paymentCall(r)
	if err != nil {
		s.refuse(w, r, "recurring", err, callAttrs(p)...)
		return
	}
	method, in, problem := orderIntent(p)
	switch {
	case problem != "":
	case !method.Reusable:
		problem = "Kassa cannot charge " + string(method.Type) + " again without the customer: only Vipps keeps an agreement for later payments, so the customer must pay this order."
	case p.subscriptionID() == "":
		problem = "The recurring call names no subscription (recurring.subscriptionId), so Kassa cannot find the customer's agreement."
	}
	if problem != "" {
		s.settle(w, r, "recurring", p, secret, paymentAnswer{Status: actionFail, Message: problem})
		return
	}
	var out paymentAnswer
	err = s.Store.Write(r.Context(), func(tx store.Tx) error {
		if tr, err := tx.ShopwareTransaction(r.Context(), shop.AccountID, shop.ShopID, p.OrderTransaction.ID); err == nil {
			out = repeatedRecurring(tr)
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		agreement, err := tx.ShopwareAgreement(r.Context(), shop.AccountID, shop.ShopID, p.subscriptionID())
		if errors.Is(err, store.ErrNotFound) {
			out = paymentAnswer{Status: actionFail, Message: "Kassa has no agreement for subscription " + p.subscriptionID() +
				": its first order was not paid with Vipps through Kassa, so the customer must pay this order."}
			return nil
		}
		if err != nil {
			return err
		}
		pi, err := s.Gateway.ChargeOffSession(r.Context(), tx, &gateway.Caller{AccountID: shop.AccountID}, in, agreement.PaymentMethodID)
		if err != nil {
			return err
		}
		out = finalAction(pi)
		return tx.InsertShopwareTransaction(r.Context(), s.settledTransaction(shop, p, pi, string(method.Type), out))
	})
	var perr *payments.Error
	switch {
	case errors.As(err, &perr):
		// Kassa refused the charge (no agreement saved, amount, currency).
		out, err = paymentAnswer{Status: actionFail, Message: perr.Message}, nil
	case errors.Is(err, store.ErrConflict):
		// A concurrent call for the same order transaction charged it first;
		// this one's charge was rolled back with its transaction.
		err = s.Store.Read(r.Context(), func(rd store.Reader) error {
			tr, err := rd.ShopwareTransaction(r.Context(), shop.AccountID, shop.ShopID, p.OrderTransaction.ID)
			if err == nil {
				out = repeatedRecurring(tr)
			}
			return err
		})
	}
	if err != nil {
		s.refuse(w, r, "recurring", err, callAttrs(p)...)
		return
	}
	s.settle(w, r, "recurring", p, secret, out)
}

// repeatedRecurring answers a recurring call for an order transaction
// Kassa already handled: what it answered then, if it was a recurring charge.
func repeatedRecurring(tr *shopware.Transaction) paymentAnswer {
	if tr.ReturnURL == "" && tr.FinalStatus != "" {
		return paymentAnswer{Status: tr.FinalStatus, Message: tr.FinalMessage}
	}
	return paymentAnswer{Status: actionFail, Message: "Kassa already handled the payment of this order transaction."}
}
