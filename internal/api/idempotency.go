package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"kassa/internal/ids"
	"kassa/internal/store"
)

const (
	maxIdempotencyKeyLen = 255
	// A claim older than this belongs to a request that died: had it
	// committed, its response would have been saved in the same transaction.
	idempotencyClaimTTL = 30 * time.Second
	// IdempotencyKeyTTL is how long keys are kept (Stripe: at least 24 hours).
	IdempotencyKeyTTL = 24 * time.Hour
)

// change runs a state-changing request: fn makes the change and renders the
// response inside one transaction. With an Idempotency-Key, the response is
// saved in that same transaction and replayed for a retry with the same
// parameters; a failed request changes nothing and saves nothing, so its
// retry runs again.
func (s *Server) change(w http.ResponseWriter, r *request, fn func(ctx context.Context, tx store.Tx) (any, error)) error {
	return s.changeRevealing(w, r, fn, nil)
}

// changeRevealing is change for a response that shows a secret once: fn's
// response, which is what an Idempotency-Key saves, leaves the secret out,
// and reveal adds it to the first response and to every replay.
func (s *Server) changeRevealing(w http.ResponseWriter, r *request, fn func(ctx context.Context, tx store.Tx) (any, error), reveal func(ctx context.Context, body []byte) ([]byte, error)) error {
	respond := func(status int, body []byte) error {
		if reveal != nil && status == http.StatusOK {
			var err error
			if body, err = reveal(r.Context(), body); err != nil {
				return err
			}
		}
		writeRaw(w, status, body)
		return nil
	}
	if unknown := r.Params.Unknown(); len(unknown) > 0 {
		return invalidRequest(http.StatusBadRequest, "parameter_unknown", unknown[0], "Received unknown parameter: "+unknown[0])
	}
	ctx := r.Context()
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		// Nothing to save: the response is encoded after the commit, off
		// the single writer (SQLite's runs one write at a time).
		var obj any
		err := s.Store.Write(ctx, func(tx store.Tx) error {
			var err error
			obj, err = fn(ctx, tx)
			return err
		})
		if err != nil {
			return err
		}
		body, err := marshalView(obj)
		if err != nil {
			return err
		}
		return respond(http.StatusOK, body)
	}
	if len(key) > maxIdempotencyKeyLen {
		return invalidRequest(http.StatusBadRequest, "", "Idempotency-Key", "Idempotency-Key must be at most 255 characters long.")
	}
	claim := store.IdempotentRequest{
		AccountID:  r.Account.ID,
		Key:        key,
		Endpoint:   r.Method + " " + r.URL.Path,
		ParamsHash: hashParams(r.Params.Canonical()),
		Claim:      ids.Random(24),
		Created:    s.Clock.Now(),
	}
	// One transaction claims the key, makes the change and saves the
	// response: a failed request leaves no trace, and a concurrent request
	// with the same key waits for this one (SQLite's single writer, or
	// PostgreSQL's lock on the key's row) and then replays its response.
	var body []byte
	var replay *store.IdempotentRequest
	err := s.Store.Write(ctx, func(tx store.Tx) error {
		var err error
		if replay, err = s.claim(ctx, tx, claim); err != nil || replay != nil {
			return err
		}
		if body, err = run(ctx, tx, fn); err != nil {
			return err
		}
		done := claim
		done.Status, done.Body = http.StatusOK, body
		return tx.CompleteIdempotencyKey(ctx, done)
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return inFlight(key)
	case err != nil:
		return err
	case replay != nil:
		w.Header().Set("Idempotent-Replayed", "true")
		return respond(replay.Status, replay.Body)
	}
	return respond(http.StatusOK, body)
}

func run(ctx context.Context, tx store.Tx, fn func(context.Context, store.Tx) (any, error)) ([]byte, error) {
	obj, err := fn(ctx, tx)
	if err != nil {
		return nil, err
	}
	return marshalView(obj)
}

// claim takes the key in tx, or returns the stored response to replay, or
// the error Stripe gives for a conflicting use. A claim without a response
// is only ever seen from a request that died holding it in an earlier
// version, which committed claims on their own; it is taken over once stale.
func (s *Server) claim(ctx context.Context, tx store.Tx, c store.IdempotentRequest) (*store.IdempotentRequest, error) {
	existing, err := tx.ClaimIdempotencyKey(ctx, c, c.Created.Add(-idempotencyClaimTTL))
	switch {
	case err != nil:
		return nil, err
	case existing == nil:
		return nil, nil
	case existing.Endpoint != c.Endpoint || existing.ParamsHash != c.ParamsHash:
		return nil, &apiError{Status: http.StatusBadRequest, Type: typeIdempotency,
			Message: "Keys for idempotent requests can only be used with the same parameters they were first used with. " +
				"Try using a key other than '" + c.Key + "' if you meant to execute a different request."}
	case existing.Status == 0:
		return nil, inFlight(c.Key)
	}
	return existing, nil
}

func inFlight(key string) error {
	return &apiError{Status: http.StatusConflict, Type: typeInvalidRequest, Code: "idempotency_key_in_use",
		Message: "There is currently another in-progress request using this Idempotency-Key '" + key +
			"'. Please try again later."}
}

func hashParams(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// PruneIdempotencyKeys deletes keys older than IdempotencyKeyTTL.
func PruneIdempotencyKeys(ctx context.Context, st store.Store, now time.Time) (int, error) {
	var n int
	err := st.Write(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.PruneIdempotencyKeys(ctx, now.Add(-IdempotencyKeyTTL))
		return err
	})
	return n, err
}
