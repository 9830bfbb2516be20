// Package shopwareapp is the HTTP side of Kassa's Shopware app: the
// registration handshake, uninstall and the payment calls a shop makes.
// Every call is authenticated with Shopware's HMAC signatures
// (internal/shopware) and every answer to a shop is signed with its secret.
package shopwareapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/secrets"
	"kassa/internal/shopware"
	"kassa/internal/store"
)

// maxBody bounds what Kassa reads of a shop's request (orders with many
// line items are a few hundred kilobytes).
const maxBody = 4 << 20

// Server serves the app endpoints of every account under /shopware/{account}/.
type Server struct {
	Store     store.Store
	Gateway   *gateway.Gateway
	Secrets   *secrets.Box
	Clock     clock.Clock
	Logger    *slog.Logger
	PublicURL string
}

// Register adds the endpoints to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /shopware/{account}/registration", s.registration)
	mux.HandleFunc("POST /shopware/{account}/confirmation", s.confirmation)
	mux.HandleFunc("POST /shopware/{account}/uninstall", s.uninstall)
	mux.HandleFunc("POST /shopware/{account}/pay", s.pay)
	mux.HandleFunc("POST /shopware/{account}/finalize", s.finalize)
	mux.HandleFunc("POST /shopware/{account}/refund", s.refund)
	mux.HandleFunc("POST /shopware/{account}/recurring", s.recurring)
	mux.HandleFunc("POST /shopware/{account}/validate", s.validate)
	mux.HandleFunc("POST /shopware/{account}/capture", s.capture)
}

// callError is a refusal: its status and the message the shop logs.
type callError struct {
	status  int
	message string
}

func (e *callError) Error() string { return e.message }

func unauthorized(msg string) error { return &callError{http.StatusUnauthorized, msg} }
func badRequest(msg string) error   { return &callError{http.StatusBadRequest, msg} }

// refuse answers an error as {"error": "..."}, the shape Shopware shows for
// failed registrations. It is not signed: an unauthenticated caller has no
// secret to check it with.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, call string, err error, attrs ...any) {
	status, msg := http.StatusInternalServerError, "internal error"
	var ce *callError
	if errors.As(err, &ce) {
		status, msg = ce.status, ce.message
	}
	attrs = append(attrs, "call", call, "account", r.PathValue("account"), "status", status, "error", err)
	if status >= 500 {
		s.Logger.Error("shopware call failed", attrs...)
	} else {
		s.Logger.Warn("shopware call refused", attrs...)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// answer writes v as JSON signed with key in shopware-app-signature:
// Shopware fails a payment whose answer is unsigned or signed wrongly.
func answer(w http.ResponseWriter, status int, v any, key []byte) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(shopware.HeaderAppSignature, shopware.Sign(key, body))
	w.WriteHeader(status)
	w.Write(body)
}

// readBody reads a request body within maxBody.
// callSource is the part every signed call from a shop shares: which shop.
type callSource struct {
	Source struct {
		ShopID string `json:"shopId"`
	} `json:"source"`
}

func (c *callSource) shopID() string { return c.Source.ShopID }

// decodeCall reads a shop's call body and decodes it into a T, keeping JSON
// numbers as their text (amounts are never floats); the body must name its
// shop. It returns the raw body too, for the signature check.
func decodeCall[T any, PT interface {
	*T
	shopID() string
}](r *http.Request, what string) (*T, []byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || PT(&v).shopID() == "" {
		return nil, nil, badRequest("the body must be Shopware's " + what + " JSON with source.shopId")
	}
	return &v, body, nil
}

func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badRequest("cannot read the request body")
	}
	if len(body) > maxBody {
		return nil, &callError{http.StatusRequestEntityTooLarge, "request body too large"}
	}
	return body, nil
}
