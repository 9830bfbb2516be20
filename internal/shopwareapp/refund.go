package shopwareapp

import (
	"encoding/json"
	"errors"
	"net/http"

	"kassa/internal/gateway"
	"kassa/internal/money"
	"kassa/internal/payments"
	"kassa/internal/shopware"
	"kassa/internal/store"
)

// refundBody is what Kassa reads of a refund call. The order's currency may
// be null in it, so the currency is the one Kassa recorded at pay.
type refundBody struct {
	callSource
	Refund struct {
		ID     string `json:"id"`
		Amount struct {
			TotalPrice json.Number `json:"totalPrice"`
		} `json:"amount"`
		Positions          []shopware.PositionInput `json:"positions"`
		TransactionCapture struct {
			OrderTransactionID string `json:"orderTransactionId"`
			Transaction        struct {
				ID string `json:"id"`
			} `json:"transaction"`
		} `json:"transactionCapture"`
	} `json:"refund"`
}

// Refund actions Shopware takes from a refund answer.
const (
	refundComplete = "complete"
	refundProcess  = "process"
	refundFail     = "fail"
	refundCancel   = "cancel"
)

// refundAction maps a Kassa refund to the action on Shopware's refund.
func refundAction(r *payments.Refund) string {
	switch r.Status {
	case payments.RefundSucceeded:
		return refundComplete
	case payments.RefundPending:
		return refundProcess
	case payments.RefundCanceled:
		return refundCancel
	}
	return refundFail
}

// refund refunds the amount Shopware sends against the order transaction's
// payment, once per Shopware refund: a repeated call answers the refund
// already made. Kassa's refunds start pending ("process"); when one
// completes or fails later, the Admin API push moves Shopware's refund.
func (s *Server) refund(w http.ResponseWriter, r *http.Request) {
	in, body, err := decodeCall[refundBody](r, "refund")
	if err != nil {
		s.refuse(w, r, "refund", err)
		return
	}
	txID := in.Refund.TransactionCapture.Transaction.ID
	if txID == "" {
		txID = in.Refund.TransactionCapture.OrderTransactionID
	}
	attrs := []any{"shop", in.Source.ShopID, "order_transaction", txID, "refund", in.Refund.ID}
	var shop *shopware.Shop
	var tr *shopware.Transaction
	err = s.Store.Read(r.Context(), func(rd store.Reader) error {
		var err error
		if shop, err = s.authenticate(r.Context(), rd, r.PathValue("account"), in.Source.ShopID, body, r.Header); err != nil {
			return err
		}
		if in.Refund.ID == "" || txID == "" {
			return badRequest("refund.id and refund.transactionCapture.transaction.id are required")
		}
		tr, err = rd.ShopwareTransaction(r.Context(), shop.AccountID, shop.ShopID, txID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		err = badRequest("Kassa has no payment for order transaction " + txID)
	}
	if err != nil {
		s.refuse(w, r, "refund", err, attrs...)
		return
	}
	secret, err := s.shopSecret(shop)
	if err != nil {
		s.refuse(w, r, "refund", err, attrs...)
		return
	}
	amount, err := shopware.MinorUnits(in.Refund.Amount.TotalPrice, money.Currency(tr.Currency))
	if err != nil {
		s.answerRefund(w, r, attrs, secret, paymentAnswer{Status: refundFail, Message: "The refund amount " + string(in.Refund.Amount.TotalPrice) + " cannot be refunded exactly."})
		return
	}
	positions, err := shopware.RefundPositions(in.Refund.Positions, money.Currency(tr.Currency), amount)
	if err != nil {
		s.answerRefund(w, r, attrs, secret, paymentAnswer{Status: refundFail, Message: "Kassa refused the refund: " + err.Error() + "."})
		return
	}
	var out paymentAnswer
	err = s.Store.Write(r.Context(), func(tx store.Tx) error {
		// Intent first, then the transaction: the order every writer takes.
		if _, err := tx.Intent(r.Context(), tr.AccountID, tr.IntentID); err != nil {
			return err
		}
		locked, err := tx.ShopwareTransaction(r.Context(), tr.AccountID, tr.ShopID, tr.TransactionID)
		if err != nil {
			return err
		}
		if id, done := locked.Refunds[in.Refund.ID]; done {
			made, err := tx.Refund(r.Context(), tr.AccountID, id)
			if err != nil {
				return err
			}
			out = paymentAnswer{Status: refundAction(made)}
			return nil
		}
		made, err := s.Gateway.CreateRefund(r.Context(), tx, &gateway.Caller{AccountID: tr.AccountID}, gateway.CreateRefundInput{
			PaymentIntent: tr.IntentID,
			RefundInput: payments.RefundInput{Amount: &amount, Metadata: map[string]string{
				"shopware_refund_id": in.Refund.ID, "shopware_shop_id": tr.ShopID,
				"shopware_order_transaction_id": tr.TransactionID,
			}},
		})
		if err != nil {
			return err
		}
		if locked.Refunds == nil {
			locked.Refunds = map[string]string{}
		}
		locked.Refunds[in.Refund.ID] = made.ID
		if positions != nil {
			if locked.RefundPositions == nil {
				locked.RefundPositions = map[string][]shopware.RefundPosition{}
			}
			locked.RefundPositions[in.Refund.ID] = positions
		}
		locked.Updated = s.Clock.Now()
		out = paymentAnswer{Status: refundAction(made)}
		return tx.UpdateShopwareTransaction(r.Context(), locked)
	})
	var perr *payments.Error
	if errors.As(err, &perr) {
		// Kassa refused the refund (more than is left, the method's rules):
		// Shopware fails its refund and shows the message.
		out, err = paymentAnswer{Status: refundFail, Message: perr.Message}, nil
	}
	if err != nil {
		s.refuse(w, r, "refund", err, attrs...)
		return
	}
	s.answerRefund(w, r, attrs, secret, out)
}

func (s *Server) answerRefund(w http.ResponseWriter, r *http.Request, attrs []any, secret []byte, out paymentAnswer) {
	s.Logger.Info("shopware call", append([]any{"call", "refund", "account", r.PathValue("account")}, append(attrs, "status", out.Status, "message", out.Message)...)...)
	answer(w, http.StatusOK, out, secret)
}
