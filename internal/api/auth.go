package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"kassa/internal/api/params"
	"kassa/internal/gateway"
	"kassa/internal/store"
)

// request is an authenticated API call with its decoded parameters.
type request struct {
	*http.Request
	Account store.Account
	Key     store.APIKey
	Params  *params.Params
}

// caller is who the gateway records on the events this request causes.
func (r *request) caller() *gateway.Caller {
	return &gateway.Caller{AccountID: r.Account.ID, RequestID: requestID(r.Context()), IdempotencyKey: r.Header.Get("Idempotency-Key"),
		APIVersion: r.Account.APIVersion}
}

type handlerFunc func(w http.ResponseWriter, r *request) error

// authenticated resolves the API key (Bearer, or Basic with the key as user
// name as curl -u sends it), decodes parameters and runs h. allowPublishable
// admits publishable keys; the handler then restricts what they see.
func (s *Server) authenticated(h handlerFunc, allowPublishable bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := s.authenticate(r, allowPublishable)
		if err == nil {
			req.Params, err = params.FromRequest(r)
		}
		if err == nil {
			err = h(w, req)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) authenticate(r *http.Request, allowPublishable bool) (*request, error) {
	key := apiKey(r)
	if key == "" {
		return nil, invalidRequest(http.StatusUnauthorized, "", "",
			"You did not provide an API key. Provide your secret key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer sk_test_...').")
	}
	account, k, err := s.lookupKey(r, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidRequest(http.StatusUnauthorized, "", "", "Invalid API Key provided: "+redact(key))
	}
	if err != nil {
		return nil, err
	}
	if k.Kind == store.PublishableKey && !allowPublishable {
		return nil, invalidRequest(http.StatusUnauthorized, "", "",
			"This API call cannot be made with a publishable API key. Please use a secret API key.")
	}
	return &request{Request: r, Account: account, Key: k}, nil
}

// lookupKey finds the account of an API key, from the cache when it can.
func (s *Server) lookupKey(r *http.Request, key string) (store.Account, store.APIKey, error) {
	hash := gateway.HashKey(key)
	now := time.Now() // the cache's own time, not the (movable) business clock
	if e, ok := s.keys.get(hash, now); ok {
		return e.account, e.key, nil
	}
	var account store.Account
	var k store.APIKey
	err := s.Store.Read(r.Context(), func(rd store.Reader) error {
		var err error
		account, k, err = rd.AccountByKeyHash(r.Context(), hash)
		return err
	})
	if err == nil {
		s.keys.put(hash, account, k, now)
	}
	return account, k, err
}

func apiKey(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	scheme, value, _ := strings.Cut(auth, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		return strings.TrimSpace(value)
	case "basic":
		decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
		if err != nil {
			return ""
		}
		user, _, _ := strings.Cut(string(decoded), ":")
		return user
	}
	return ""
}

// redact shows a key the way Stripe does in errors: prefix and last four.
func redact(key string) string {
	if len(key) <= 12 {
		return strings.Repeat("*", len(key))
	}
	prefix := key[:8]
	return prefix + "********" + key[len(key)-4:]
}
