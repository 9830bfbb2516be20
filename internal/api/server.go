// Package api is Kassa's Stripe-compatible merchant API: it decodes Stripe's
// form or JSON parameters, authenticates API keys, applies idempotency keys,
// calls the gateway, and renders Stripe's objects, lists and errors.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/ids"
	"kassa/internal/store"
)

// Server serves /v1.
type Server struct {
	Gateway *gateway.Gateway
	Store   store.Store
	Clock   clock.Clock
	Logger  *slog.Logger

	keys keyCache
}

// Register adds the API's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	secret := func(h handlerFunc) http.Handler { return s.authenticated(h, false) }
	public := func(h handlerFunc) http.Handler { return s.authenticated(h, true) }

	mux.Handle("POST /v1/payment_intents", secret(s.createIntent))
	mux.Handle("GET /v1/payment_intents", secret(s.listIntents))
	mux.Handle("GET /v1/payment_intents/{id}", public(s.retrieveIntent))
	mux.Handle("POST /v1/payment_intents/{id}", secret(s.updateIntent))
	mux.Handle("POST /v1/payment_intents/{id}/confirm", secret(s.confirmIntent))
	mux.Handle("POST /v1/payment_intents/{id}/cancel", secret(s.cancelIntent))
	mux.Handle("POST /v1/payment_intents/{id}/capture", secret(s.captureIntent))
	mux.Handle("POST /v1/test_helpers/payment_intents/{id}/succeed", secret(s.finishIntent(gateway.OutcomeAuthorize)))
	mux.Handle("POST /v1/test_helpers/payment_intents/{id}/fail", secret(s.finishIntent(gateway.OutcomeDecline)))
	mux.Handle("POST /v1/test_helpers/payment_intents/{id}/expire", secret(s.finishIntent(gateway.OutcomeExpire)))

	mux.Handle("POST /v1/payment_methods", secret(s.createPaymentMethod))
	mux.Handle("GET /v1/payment_methods", secret(s.listPaymentMethods))
	mux.Handle("GET /v1/payment_methods/{id}", secret(s.retrievePaymentMethod))

	mux.Handle("GET /v1/charges", secret(s.listCharges))
	mux.Handle("GET /v1/charges/{id}", secret(s.retrieveCharge))

	mux.Handle("POST /v1/checkout/sessions", secret(s.createSession))
	mux.Handle("GET /v1/checkout/sessions", secret(s.listSessions))
	mux.Handle("GET /v1/checkout/sessions/{id}", secret(s.retrieveSession))
	mux.Handle("GET /v1/checkout/sessions/{id}/line_items", secret(s.listLineItems))
	mux.Handle("POST /v1/checkout/sessions/{id}/expire", secret(s.expireSession))

	mux.Handle("POST /v1/products", secret(s.createProduct))
	mux.Handle("GET /v1/products", secret(s.listProducts))
	mux.Handle("GET /v1/products/{id}", secret(s.retrieveProduct))
	mux.Handle("POST /v1/products/{id}", secret(s.updateProduct))
	mux.Handle("POST /v1/prices", secret(s.createPrice))
	mux.Handle("GET /v1/prices", secret(s.listPrices))
	mux.Handle("GET /v1/prices/{id}", secret(s.retrievePrice))
	mux.Handle("POST /v1/prices/{id}", secret(s.updatePrice))

	mux.Handle("GET /v1/events", secret(s.listEvents))
	mux.Handle("GET /v1/events/{id}", secret(s.retrieveEvent))
	mux.Handle("POST /v1/events/{id}/resend", secret(s.resendEvent))

	mux.Handle("POST /v1/webhook_endpoints", secret(s.createWebhookEndpoint))
	mux.Handle("GET /v1/webhook_endpoints", secret(s.listWebhookEndpoints))
	mux.Handle("GET /v1/webhook_endpoints/{id}", secret(s.retrieveWebhookEndpoint))
	mux.Handle("POST /v1/webhook_endpoints/{id}", secret(s.updateWebhookEndpoint))
	mux.Handle("DELETE /v1/webhook_endpoints/{id}", secret(s.deleteWebhookEndpoint))
	mux.Handle("GET /v1/webhook_endpoints/{id}/deliveries", secret(s.listDeliveries))

	mux.Handle("POST /v1/refunds", secret(s.createRefund))
	mux.Handle("GET /v1/refunds", secret(s.listRefunds))
	mux.Handle("GET /v1/refunds/{id}", secret(s.retrieveRefund))
	mux.Handle("POST /v1/refunds/{id}", secret(s.updateRefund))
	mux.Handle("POST /v1/refunds/{id}/cancel", secret(s.cancelRefund))
	mux.Handle("POST /v1/test_helpers/refunds/{id}/succeed", secret(s.finishRefund(gateway.RefundSucceed)))
	mux.Handle("POST /v1/test_helpers/refunds/{id}/fail", secret(s.finishRefund(gateway.RefundFail)))

	mux.Handle("POST /v1/test_helpers/payment_intents/{id}/dispute", secret(s.openDispute))
	mux.Handle("GET /v1/disputes", secret(s.listDisputes))
	mux.Handle("GET /v1/disputes/{id}", secret(s.retrieveDispute))
	mux.Handle("POST /v1/disputes/{id}", secret(s.updateDispute))
	mux.Handle("POST /v1/disputes/{id}/close", secret(s.closeDispute))
	mux.Handle("POST /v1/test_helpers/disputes/{id}/win", secret(s.decideDispute(true)))
	mux.Handle("POST /v1/test_helpers/disputes/{id}/lose", secret(s.decideDispute(false)))

	mux.Handle("GET /v1/balance", secret(s.retrieveBalance))
	mux.Handle("GET /v1/balance_transactions", secret(s.listBalanceTransactions))
	mux.Handle("GET /v1/balance_transactions/{id}", secret(s.retrieveBalanceTransaction))

	// Anything else under /v1 is Stripe's unrecognized request URL.
	mux.Handle("/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, invalidRequest(http.StatusNotFound, "", "",
			"Unrecognized request URL ("+r.Method+": "+r.URL.Path+"). Kassa implements Stripe's payment API; see docs/api.md."))
	}))
}

// requestKey carries the request id in the context.
type requestKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestKey{}).(string)
	return id
}

// WithRequestID gives every response a Request-Id header (Stripe's) and
// echoes the Stripe-Version the client asked for.
func WithRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := "req_" + ids.Random(14)
		w.Header().Set("Request-Id", id)
		if v := r.Header.Get("Stripe-Version"); v != "" {
			// "2025-08-27.basil; vipps_preview=v1": the version is before the flags.
			version, _, _ := strings.Cut(v, ";")
			w.Header().Set("Stripe-Version", strings.TrimSpace(version))
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, id)))
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := marshalView(body)
	if err != nil {
		http.Error(w, `{"error":{"type":"api_error","message":"Kassa could not encode its response."}}`, http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, data)
}

func writeRaw(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	// A known length spares bodies over 2 KB (an intent is) chunked encoding.
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	w.Write(data)
}
