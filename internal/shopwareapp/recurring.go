package shopwareapp

import (
	"net/http"

	"kassa/internal/methods"
)

// recurring answers Shopware's subscription charges. Kassa's sandbox keeps
// no reusable payment agreement yet (not even Vipps', the one method whose
// agreements could be charged again), so every recurring charge fails with
// a message the merchant can act on, never a silent "open".
func (s *Server) recurring(w http.ResponseWriter, r *http.Request) {
	p, _, secret, err := s.paymentCall(r)
	if err != nil {
		s.refuse(w, r, "recurring", err, callAttrs(p)...)
		return
	}
	method := methods.Type(p.OrderTransaction.PaymentMethod.AppPaymentMethod.Identifier)
	msg := "Kassa cannot charge " + string(method) + " again without the customer: choose a method with reusable agreements."
	if method == methods.Vipps {
		msg = "Kassa does not keep Vipps agreements yet, so it cannot charge this subscription: the customer must pay the order."
	}
	s.settle(w, r, "recurring", p, secret, paymentAnswer{Status: actionFail, Message: msg})
}
