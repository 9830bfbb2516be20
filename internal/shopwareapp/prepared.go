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

// PreparedIntentKey is the requestData field through which a storefront
// integration names the PaymentIntent its customer already completed
// before placing the order (prepared payments).
const PreparedIntentKey = "kassaPaymentIntent"

// validateBody is what Kassa reads of a validate call.
type validateBody struct {
	callSource
	Cart struct {
		Price struct {
			TotalPrice json.Number `json:"totalPrice"`
		} `json:"price"`
	} `json:"cart"`
	RequestData         shopware.Object `json:"requestData"`
	SalesChannelContext struct {
		Currency struct {
			IsoCode string `json:"isoCode"`
		} `json:"currency"`
	} `json:"salesChannelContext"`
}

// validate checks, before the order is placed, that the intent the
// storefront prepared pays exactly this cart: same amount and currency,
// authorized or paid. Its answer's preOrderPayment comes back in capture
// (6.5/6.6) or pay (6.7).
func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	in, body, err := decodeCall[validateBody](r, "validate")
	if err != nil {
		s.refuse(w, r, "validate", err)
		return
	}
	attrs := []any{"shop", in.Source.ShopID}
	var shop *shopware.Shop
	var pi *payments.PaymentIntent
	intentID, _ := in.RequestData[PreparedIntentKey].(string)
	err = s.Store.Read(r.Context(), func(rd store.Reader) error {
		var err error
		if shop, err = s.authenticate(r.Context(), rd, r.PathValue("account"), in.Source.ShopID, body, r.Header); err != nil {
			return err
		}
		if intentID == "" {
			return nil
		}
		pi, err = rd.Intent(r.Context(), shop.AccountID, intentID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		s.refuse(w, r, "validate", err, attrs...)
		return
	}
	secret, err := s.shopSecret(shop)
	if err != nil {
		s.refuse(w, r, "validate", err, attrs...)
		return
	}
	out := map[string]any{}
	if msg := preparedProblem(pi, intentID, in.Cart.Price.TotalPrice, in.SalesChannelContext.Currency.IsoCode); msg != "" {
		out["message"] = msg
	} else {
		out["preOrderPayment"] = map[string]string{PreparedIntentKey: pi.ID}
	}
	s.Logger.Info("shopware call", append([]any{"call", "validate", "account", r.PathValue("account"), "intent", intentID, "message", out["message"]}, attrs...)...)
	answer(w, http.StatusOK, out, secret)
}

// preparedProblem says why an intent cannot pay a total, or "".
func preparedProblem(pi *payments.PaymentIntent, intentID string, total json.Number, isoCode string) string {
	if intentID == "" {
		return "No prepared Kassa payment: requestData." + PreparedIntentKey + " is missing."
	}
	if pi == nil {
		return "No Kassa payment " + intentID + " exists for this shop's account."
	}
	currency, err := money.ParseCurrency(isoCode)
	if err != nil || currency != pi.Currency {
		return "The prepared payment is in " + pi.Currency.Upper() + ", the cart in " + isoCode + "."
	}
	amount, err := shopware.MinorUnits(total, currency)
	if err != nil || amount != pi.Amount {
		return "The prepared payment is for " + money.Display(pi.Amount, pi.Currency) + ", the cart costs " + string(total) + " " + currency.Upper() + "."
	}
	if pi.Status != payments.RequiresCapture && pi.Status != payments.Succeeded {
		return "The prepared payment is " + string(pi.Status) + ", not authorized."
	}
	return ""
}

// capture (manifest 2.0) takes the prepared payment for the placed order:
// it captures an authorized intent, records the order transaction (so
// refunds find it) and answers paid. A repeated capture answers the same.
func (s *Server) capture(w http.ResponseWriter, r *http.Request) {
	p, shop, secret, err := s.paymentCall(r)
	if err != nil {
		s.refuse(w, r, "capture", err, callAttrs(p)...)
		return
	}
	out, err := s.takePrepared(r, p, shop)
	if err != nil {
		s.refuse(w, r, "capture", err, callAttrs(p)...)
		return
	}
	s.settle(w, r, "capture", p, secret, out)
}

// takePrepared captures the prepared intent named in preOrderPayment.
func (s *Server) takePrepared(r *http.Request, p *paymentBody, shop *shopware.Shop) (paymentAnswer, error) {
	intentID, _ := p.PreOrderPayment[PreparedIntentKey].(string)
	var out paymentAnswer
	err := s.Store.Write(r.Context(), func(tx store.Tx) error {
		pi, err := tx.Intent(r.Context(), shop.AccountID, intentID)
		if errors.Is(err, store.ErrNotFound) {
			out = paymentAnswer{Status: actionFail, Message: "No prepared Kassa payment " + intentID + "."}
			return nil
		}
		if err != nil {
			return err
		}
		tr, err := tx.ShopwareTransaction(r.Context(), shop.AccountID, shop.ShopID, p.OrderTransaction.ID)
		if err == nil {
			out = paymentAnswer{Status: tr.FinalStatus, Message: tr.FinalMessage}
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		// One prepared payment pays one order.
		if _, err := tx.ShopwareTransactionByIntent(r.Context(), shop.AccountID, pi.ID); err == nil {
			out = paymentAnswer{Status: actionFail, Message: "The prepared payment " + pi.ID + " already paid another order."}
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if pi.Status == payments.RequiresCapture {
			if pi, err = s.Gateway.CaptureIntent(r.Context(), tx, &gateway.Caller{AccountID: shop.AccountID}, pi.ID, nil); err != nil {
				return err
			}
		}
		out = finalAction(pi)
		return tx.InsertShopwareTransaction(r.Context(), s.settledTransaction(shop, p, pi, preparedMethod(pi), out))
	})
	var perr *payments.Error
	if errors.As(err, &perr) {
		return paymentAnswer{Status: actionFail, Message: perr.Message}, nil
	}
	return out, err
}

func preparedMethod(pi *payments.PaymentIntent) string {
	if len(pi.PaymentMethodTypes) == 0 {
		return ""
	}
	return string(pi.PaymentMethodTypes[0])
}
