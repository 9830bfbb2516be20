package paygateapi

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"kassa/internal/gateway"
	"kassa/internal/paygate"
	"kassa/internal/store"
)

// maxBatch bounds an uploaded batch file.
const maxBatch = 8 << 20

// batch processes an uploaded Batch Manager file (the request body) for
// the account whose secret key authorizes it, and answers the response
// file. A file that does not parse, or whose footer does not match, is
// refused whole (400, Code=…) before anything is credited.
func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var account store.Account
	var apiKey store.APIKey
	var err error
	if ok && key != "" {
		err = s.Gateway.Store.Read(r.Context(), func(rd store.Reader) (err error) {
			account, apiKey, err = rd.AccountByKeyHash(r.Context(), gateway.HashKey(key))
			return err
		})
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.internal(w, r, err)
		return
	}
	if !ok || key == "" || err != nil || apiKey.Kind != store.SecretKey {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kassa"`)
		http.Error(w, "Upload a batch file with the account's secret key: Authorization: Bearer sk_test_…", http.StatusUnauthorized)
		return
	}
	b, err := paygate.ParseBatch(http.MaxBytesReader(w, r.Body, maxBatch))
	if err != nil {
		s.refuse(w, r, nil, err)
		return
	}
	if err := s.Gateway.ProcessPaygateBatch(r.Context(), account.ID, b, nil); err != nil {
		s.internal(w, r, err)
		return
	}
	var out bytes.Buffer
	if err := b.Response(&out); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(out.Bytes())
}
