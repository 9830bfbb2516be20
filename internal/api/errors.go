package api

import (
	"errors"
	"net/http"

	"kassa/internal/api/params"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Stripe's error types.
const (
	typeInvalidRequest = "invalid_request_error"
	typeAPI            = "api_error"
	typeIdempotency    = "idempotency_error"
)

// apiError is Stripe's error envelope: {"error": {...}}.
type apiError struct {
	Status        int            `json:"-"`
	Type          string         `json:"type"`
	Code          string         `json:"code,omitempty"`
	Message       string         `json:"message"`
	Param         string         `json:"param,omitempty"`
	DocURL        string         `json:"doc_url,omitempty"`
	PaymentIntent map[string]any `json:"payment_intent,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func invalidRequest(status int, code, param, message string) *apiError {
	return &apiError{Status: status, Type: typeInvalidRequest, Code: code, Param: param, Message: message}
}

// writeError renders any error in Stripe's shape. Errors Kassa did not
// expect are logged and shown as a generic api_error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := s.toAPIError(r, err)
	if e.Code != "" && e.DocURL == "" {
		e.DocURL = "https://stripe.com/docs/error-codes/" + underscoresToDashes(e.Code)
	}
	writeJSON(w, e.Status, map[string]any{"error": e})
}

func (s *Server) toAPIError(r *http.Request, err error) *apiError {
	var ae *apiError
	var pe *params.Error
	var de *payments.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &pe):
		return invalidRequest(http.StatusBadRequest, pe.Code, pe.Param, pe.Message)
	case errors.As(err, &de):
		status := http.StatusBadRequest
		if de.Code == payments.CodeResourceMissing {
			status = http.StatusNotFound
		}
		e := invalidRequest(status, de.Code, de.Param, de.Message)
		if de.Intent != nil {
			e.PaymentIntent = renderIntent(de.Intent, intentRelations{})
		}
		return e
	case errors.Is(err, store.ErrLockTimeout):
		// The only JSON error stripe-go retries on its own.
		return &apiError{Status: http.StatusTooManyRequests, Type: typeInvalidRequest, Code: "lock_timeout",
			Message: "This object is busy with another request. Please retry."}
	}
	s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()), "error", err)
	return &apiError{Status: http.StatusInternalServerError, Type: typeAPI,
		Message: "An internal error occurred in Kassa. The request changed nothing; retry it, and check the server log for request " + requestID(r.Context()) + "."}
}

func underscoresToDashes(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}
