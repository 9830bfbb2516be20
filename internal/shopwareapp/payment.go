package shopwareapp

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
	"kassa/internal/shopware"
	"kassa/internal/store"
)

// paymentBody is what Kassa reads of a pay or finalize call (the shapes of
// Shopware's payload; amounts stay JSON number text).
type paymentBody struct {
	callSource
	Order struct {
		ID          string `json:"id"`
		OrderNumber string `json:"orderNumber"`
		Currency    struct {
			IsoCode string `json:"isoCode"`
		} `json:"currency"`
		OrderCustomer struct {
			Email     string `json:"email"`
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
		} `json:"orderCustomer"`
		BillingAddress struct {
			Country struct {
				Iso string `json:"iso"`
			} `json:"country"`
		} `json:"billingAddress"`
	} `json:"order"`
	OrderTransaction struct {
		ID     string `json:"id"`
		Amount struct {
			TotalPrice json.Number `json:"totalPrice"`
		} `json:"amount"`
		PaymentMethod struct {
			AppPaymentMethod struct {
				Identifier string `json:"identifier"`
			} `json:"appPaymentMethod"`
		} `json:"paymentMethod"`
	} `json:"orderTransaction"`
	ReturnURL   *string         `json:"returnUrl"`
	RequestData shopware.Object `json:"requestData"`
	// PreOrderPayment is what validate answered, for a prepared payment.
	PreOrderPayment shopware.Object `json:"preOrderPayment"`
	// Recurring is set for the orders of a subscription: in pay for the
	// first one, in every recurring call after it.
	Recurring *struct {
		SubscriptionID string `json:"subscriptionId"`
	} `json:"recurring"`
}

// subscriptionID is the subscription an order belongs to ("" if none).
func (p *paymentBody) subscriptionID() string {
	if p.Recurring == nil {
		return ""
	}
	return p.Recurring.SubscriptionID
}

// paymentAnswer is the answer to pay, finalize and recurring. Status is a
// state-machine action; no status means no transition (Shopware 6.7).
type paymentAnswer struct {
	Status      string `json:"status,omitempty"`
	Message     string `json:"message,omitempty"`
	RedirectURL string `json:"redirectUrl,omitempty"`
}

// Shopware's payment actions Kassa answers with.
const (
	actionPaid      = "paid"
	actionAuthorize = "authorize"
	actionProcess   = "process"
	actionFail      = "fail"
	actionCancel    = "cancel"
)

// paymentCall reads and authenticates a payment call: the body must be
// JSON naming a shop of this account, signed with that shop's secret.
// It returns the decoded body, the shop and its secret.
func (s *Server) paymentCall(r *http.Request) (*paymentBody, *shopware.Shop, []byte, error) {
	p, body, err := decodeCall[paymentBody](r, "payment")
	if err != nil {
		return nil, nil, nil, err
	}
	var shop *shopware.Shop
	err = s.Store.Read(r.Context(), func(rd store.Reader) error {
		shop, err = s.authenticate(r.Context(), rd, r.PathValue("account"), p.Source.ShopID, body, r.Header)
		return err
	})
	if err != nil {
		return p, nil, nil, err
	}
	if p.OrderTransaction.ID == "" {
		return p, nil, nil, badRequest("orderTransaction.id is required")
	}
	secret, err := s.shopSecret(shop)
	return p, shop, secret, err
}

func callAttrs(p *paymentBody) []any {
	if p == nil {
		return nil
	}
	return []any{"shop", p.Source.ShopID, "order_transaction", p.OrderTransaction.ID, "order", p.Order.OrderNumber}
}

// pay starts the payment of an order transaction: a PaymentIntent confirmed
// with the chosen method, and the sandbox page to send the customer to.
// A repeated pay of the same transaction answers the same redirect.
func (s *Server) pay(w http.ResponseWriter, r *http.Request) {
	p, shop, secret, err := s.paymentCall(r)
	if err != nil {
		s.refuse(w, r, "pay", err, callAttrs(p)...)
		return
	}
	if _, prepared := p.PreOrderPayment[PreparedIntentKey]; prepared {
		// Shopware 6.7 takes a prepared payment in pay (no capture call).
		out, err := s.takePrepared(r, p, shop)
		if err != nil {
			s.refuse(w, r, "pay", err, callAttrs(p)...)
			return
		}
		s.settle(w, r, "pay", p, secret, out)
		return
	}
	in, problem := payInput(p)
	if problem != "" {
		s.settle(w, r, "pay", p, secret, paymentAnswer{Status: actionFail, Message: problem})
		return
	}
	var out paymentAnswer
	err = s.Store.Write(r.Context(), func(tx store.Tx) error {
		caller := &gateway.Caller{AccountID: shop.AccountID}
		tr, err := tx.ShopwareTransaction(r.Context(), shop.AccountID, shop.ShopID, p.OrderTransaction.ID)
		if err == nil {
			out = s.repeatedPay(r, tx, tr)
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		pi, err := s.Gateway.CreateIntent(r.Context(), tx, caller, in.intent)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := tx.InsertShopwareTransaction(r.Context(), &shopware.Transaction{
			AccountID: shop.AccountID, ShopID: shop.ShopID, TransactionID: p.OrderTransaction.ID,
			OrderID: p.Order.ID, OrderNumber: p.Order.OrderNumber, IntentID: pi.ID,
			Amount: pi.Amount, Currency: string(pi.Currency), Method: string(in.method),
			ReturnURL: in.intent.ReturnURL, Created: now, Updated: now,
		}); err != nil {
			return err
		}
		if pi.SetupFutureUsage != "" {
			// The first order of a subscription: its later orders charge
			// the agreement the customer gives while paying this one.
			if err := tx.SaveShopwareAgreement(r.Context(), &shopware.Agreement{
				AccountID: shop.AccountID, ShopID: shop.ShopID, SubscriptionID: p.subscriptionID(),
				PaymentMethodID: pi.PaymentMethodID, TransactionID: p.OrderTransaction.ID, IntentID: pi.ID, Created: now,
			}); err != nil {
				return err
			}
		}
		out = redirectOf(pi)
		return nil
	})
	var perr *payments.Error
	if errors.As(err, &perr) {
		// Kassa refused the payment (method, currency, country, amount):
		// the shop shows the customer the message and fails the transaction.
		out, err = paymentAnswer{Status: actionFail, Message: perr.Message}, nil
	}
	if err != nil {
		s.refuse(w, r, "pay", err, callAttrs(p)...)
		return
	}
	s.settle(w, r, "pay", p, secret, out)
}

// repeatedPay answers a pay for a transaction Kassa already started.
func (s *Server) repeatedPay(r *http.Request, tx store.Tx, tr *shopware.Transaction) paymentAnswer {
	pi, err := tx.Intent(r.Context(), tr.AccountID, tr.IntentID)
	if err == nil && pi.Status == payments.RequiresAction && pi.Pending != nil {
		return redirectOf(pi)
	}
	return paymentAnswer{Status: actionFail, Message: "Kassa already handled the payment of this order transaction."}
}

func redirectOf(pi *payments.PaymentIntent) paymentAnswer {
	if pi.Pending == nil || pi.Pending.RedirectURL == "" {
		return paymentAnswer{Status: actionFail, Message: "The payment could not be started."}
	}
	return paymentAnswer{RedirectURL: pi.Pending.RedirectURL}
}

type payRequest struct {
	method methods.Type
	intent gateway.CreateIntentInput
}

// orderIntent reads what any payment of an order transaction charges: the
// method, the exact amount in minor units and the order's references, or
// says what is wrong with it in words the shop can show.
func orderIntent(p *paymentBody) (methods.Method, payments.IntentInput, string) {
	method, ok := methods.Lookup(methods.Type(p.OrderTransaction.PaymentMethod.AppPaymentMethod.Identifier))
	if !ok {
		return method, payments.IntentInput{}, "Kassa does not offer the payment method " + p.OrderTransaction.PaymentMethod.AppPaymentMethod.Identifier + "."
	}
	currency, err := money.ParseCurrency(p.Order.Currency.IsoCode)
	if err != nil {
		return method, payments.IntentInput{}, "The order's currency " + p.Order.Currency.IsoCode + " is unknown."
	}
	amount, err := shopware.MinorUnits(p.OrderTransaction.Amount.TotalPrice, currency)
	if err != nil {
		return method, payments.IntentInput{}, "The amount " + string(p.OrderTransaction.Amount.TotalPrice) + " " + currency.Upper() + " cannot be charged exactly."
	}
	metadata := map[string]string{
		"shopware_shop_id": p.Source.ShopID, "shopware_order_id": p.Order.ID,
		"shopware_order_number": p.Order.OrderNumber, "shopware_order_transaction_id": p.OrderTransaction.ID,
	}
	if sub := p.subscriptionID(); sub != "" {
		metadata["shopware_subscription_id"] = sub
	}
	return method, payments.IntentInput{
		Amount: amount, Currency: currency, Description: "Order " + p.Order.OrderNumber,
		PaymentMethodTypes: []methods.Type{method.Type}, Metadata: metadata,
	}, ""
}

// payInput turns a pay call into the intent to create, or says what is
// wrong with it in words the shop can show. The first order of a
// subscription paid with a method that keeps agreements also saves one.
func payInput(p *paymentBody) (payRequest, string) {
	m, intent, problem := orderIntent(p)
	if problem != "" {
		return payRequest{}, problem
	}
	method := m.Type
	if p.ReturnURL == nil || *p.ReturnURL == "" {
		return payRequest{}, "The payment has no returnUrl: Kassa's methods need the asynchronous flow (pay-url and finalize-url)."
	}
	if p.subscriptionID() != "" && m.Reusable {
		intent.SetupFutureUsage = payments.SetupOffSession
	}
	customer := p.Order.OrderCustomer
	return payRequest{method: method, intent: gateway.CreateIntentInput{
		IntentInput: intent,
		Method: gateway.MethodChoice{Data: &gateway.PaymentMethodInput{Type: method, BillingDetails: payments.BillingDetails{
			Name:    strings.TrimSpace(customer.FirstName + " " + customer.LastName),
			Email:   customer.Email,
			Address: payments.Address{Country: strings.ToUpper(p.Order.BillingAddress.Country.Iso)},
		}}},
		Confirm:   true,
		ReturnURL: *p.ReturnURL,
	}}, ""
}

// finalize answers the customer's return: it maps the intent's state to a
// Shopware action once per order transaction, and answers every repeated
// finalize the same without changing anything.
func (s *Server) finalize(w http.ResponseWriter, r *http.Request) {
	p, shop, secret, err := s.paymentCall(r)
	if err != nil {
		s.refuse(w, r, "finalize", err, callAttrs(p)...)
		return
	}
	// The intent is locked before the transaction, in the order an
	// attempt's end (IntentSettled) takes them, so the two cannot deadlock.
	var intentID string
	err = s.Store.Read(r.Context(), func(rd store.Reader) error {
		tr, err := rd.ShopwareTransaction(r.Context(), shop.AccountID, shop.ShopID, p.OrderTransaction.ID)
		if err == nil {
			intentID = tr.IntentID
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		s.settle(w, r, "finalize", p, secret, paymentAnswer{Status: actionFail, Message: "Kassa has no payment for this order transaction."})
		return
	}
	if err != nil {
		s.refuse(w, r, "finalize", err, callAttrs(p)...)
		return
	}
	var out paymentAnswer
	err = s.Store.Write(r.Context(), func(tx store.Tx) error {
		pi, err := tx.Intent(r.Context(), shop.AccountID, intentID)
		if err != nil {
			return err
		}
		tr, err := tx.ShopwareTransaction(r.Context(), shop.AccountID, shop.ShopID, p.OrderTransaction.ID)
		if err != nil {
			return err
		}
		if tr.FinalStatus != "" {
			out = paymentAnswer{Status: tr.FinalStatus, Message: tr.FinalMessage}
			return nil
		}
		out = finalAction(pi)
		if out.Status == actionCancel && pi.Status == payments.RequiresAction {
			// The customer came back without finishing: end the attempt so
			// it cannot still succeed behind the shop's back.
			if _, err := s.Gateway.CancelIntent(r.Context(), tx, &gateway.Caller{AccountID: tr.AccountID}, pi.ID, "abandoned"); err != nil {
				return err
			}
		}
		tr.FinalStatus, tr.FinalMessage, tr.Updated = out.Status, out.Message, s.Clock.Now()
		return tx.UpdateShopwareTransaction(r.Context(), tr)
	})
	if err != nil {
		s.refuse(w, r, "finalize", err, callAttrs(p)...)
		return
	}
	s.settle(w, r, "finalize", p, secret, out)
}

// finalAction maps an intent to the action finalize answers.
func finalAction(pi *payments.PaymentIntent) paymentAnswer {
	switch pi.Status {
	case payments.Succeeded:
		return paymentAnswer{Status: actionPaid}
	case payments.RequiresCapture:
		return paymentAnswer{Status: actionAuthorize}
	case payments.Processing:
		return paymentAnswer{Status: actionProcess}
	case payments.RequiresAction:
		if pi.Pending != nil && pi.Pending.VirtualAccount != nil {
			// A virtual account was issued: the transfer comes later.
			return paymentAnswer{Status: actionProcess}
		}
		return paymentAnswer{Status: actionCancel}
	case payments.Canceled:
		return paymentAnswer{Status: actionCancel}
	case payments.RequiresPaymentMethod:
		if e := pi.LastPaymentError; e != nil {
			if e.CustomerCanceled {
				return paymentAnswer{Status: actionCancel}
			}
			return paymentAnswer{Status: actionFail, Message: e.Message}
		}
	}
	return paymentAnswer{Status: actionFail, Message: "The payment was not completed."}
}

// settledTransaction is Kassa's record of an order transaction whose
// payment ended within the call (a prepared or a recurring payment): what
// the call answered is final from the start, and a repeat answers it again.
func (s *Server) settledTransaction(shop *shopware.Shop, p *paymentBody, pi *payments.PaymentIntent, method string, out paymentAnswer) *shopware.Transaction {
	now := s.Clock.Now()
	return &shopware.Transaction{
		AccountID: shop.AccountID, ShopID: shop.ShopID, TransactionID: p.OrderTransaction.ID,
		OrderID: p.Order.ID, OrderNumber: p.Order.OrderNumber, IntentID: pi.ID,
		Amount: pi.Amount, Currency: string(pi.Currency), Method: method,
		FinalStatus: out.Status, FinalMessage: out.Message, Created: now, Updated: now,
	}
}

// settle logs a payment call's outcome and sends the signed answer.
func (s *Server) settle(w http.ResponseWriter, r *http.Request, call string, p *paymentBody, secret []byte, out paymentAnswer) {
	attrs := append([]any{"call", call, "account", r.PathValue("account")}, callAttrs(p)...)
	s.Logger.Info("shopware call", append(attrs, "status", out.Status, "message", out.Message, "redirect", out.RedirectURL != "")...)
	answer(w, http.StatusOK, out, secret)
}
