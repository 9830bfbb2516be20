// Package paygateapi serves Kassa's Computop Paygate-compatible endpoints
// at Paygate's own paths (/sofort.aspx, …), so a shop migrates by changing
// the host name and its keys. It decodes Paygate's encrypted key-value
// requests, calls the gateway, and answers in Paygate's dialect: results
// with MACs and eight-character codes. It holds no payment rules.
package paygateapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kassa/internal/gateway"
	"kassa/internal/paygate"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Server serves the Paygate endpoints.
type Server struct {
	Gateway *gateway.Gateway
	Logger  *slog.Logger
	// AllowHTTP lets URLSuccess, URLFailure and URLNotify be plain http or
	// on another port than 443 (on for the sandbox; Paygate itself only
	// calls https on 443).
	AllowHTTP bool
}

// Register adds the endpoints to mux. Paygate takes GET and POST alike.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /sofort.aspx", s.sofort)
	mux.HandleFunc("POST /sofort.aspx", s.sofort)
	mux.HandleFunc("GET /credit.aspx", s.credit)
	mux.HandleFunc("POST /credit.aspx", s.credit)
	mux.HandleFunc("GET /inquire.aspx", s.inquire)
	mux.HandleFunc("POST /inquire.aspx", s.inquire)
	mux.HandleFunc("GET "+gateway.PaygateReturnPath+"{payid}", s.returned)
	mux.HandleFunc("POST /paygate/batch", s.batch)
	mux.HandleFunc("POST "+RESTPaymentsPath, s.restPayment)
	mux.HandleFunc("GET "+RESTPaymentsPath+"/{paymentId}", s.restGetPayment)
}

// maxBody bounds a request: Data of the largest request is far below it.
const maxBody = 64 << 10

// outer reads the plain fields (MerchantID, Len, Data, …) from the query
// or the form, keys in any case.
func outer(r *http.Request) (*paygate.Values, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return nil, paygate.FieldError(paygate.ModuleFormat, "Data", "the request could not be read")
	}
	v := &paygate.Values{}
	for key, values := range r.Form {
		if _, dup := v.Lookup(key); dup || len(values) > 1 {
			return nil, paygate.FieldError(paygate.ModuleAlreadyThere, key, "given more than once")
		}
		v.Set(key, values[0])
	}
	return v, nil
}

// decrypted is an authenticated request: its merchant, keys and fields.
type decrypted struct {
	merchant *paygate.Merchant
	cipher   *paygate.Cipher
	hmacKey  []byte
	values   *paygate.Values
}

// decrypt finds the merchant named in plain and decrypts Data with its key.
func (s *Server) decrypt(ctx context.Context, v *paygate.Values) (*decrypted, error) {
	mid := v.Get("MerchantID")
	if mid == "" {
		return nil, paygate.FieldError(paygate.ModuleMissing, "MerchantID", "is required")
	}
	m, err := s.Gateway.PaygateMerchant(ctx, mid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, paygate.FieldError(paygate.ModuleInvalid, "MerchantID", "is not known")
	}
	if err != nil {
		return nil, err
	}
	c, hmacKey, err := s.Gateway.PaygateKeys(m)
	if err != nil {
		return nil, err
	}
	lenText, ok := v.Lookup("Len")
	if !ok || lenText == "" {
		return nil, paygate.FieldError(paygate.ModuleMissing, "Len", "is required")
	}
	n, err := strconv.Atoi(lenText)
	if err != nil || n <= 0 || len(lenText) > 6 {
		return nil, paygate.FieldError(paygate.ModuleFormat, "Len", "must be a positive number")
	}
	data, ok := v.Lookup("Data")
	if !ok || data == "" {
		return nil, paygate.FieldError(paygate.ModuleMissing, "Data", "is required")
	}
	plain, err := c.Decrypt(data, n)
	if err != nil {
		return nil, err
	}
	values, err := paygate.ParseValues(plain)
	if err != nil {
		return nil, err
	}
	if inner := values.Get("MerchantID"); inner != "" && inner != m.MerchantID {
		return nil, paygate.FieldError(paygate.ModuleInvalid, "MerchantID", "differs between the plain and the encrypted request")
	}
	return &decrypted{merchant: m, cipher: c, hmacKey: hmacKey, values: values}, nil
}

// checkMAC verifies the request MAC over PayID*TransID*MerchantID*Amount*Currency.
func (d *decrypted) checkMAC(payID, transID, amount, currency string) error {
	want := paygate.RequestMAC(d.hmacKey, payID, transID, d.merchant.MerchantID, amount, currency)
	if !paygate.MACEqual(want, d.values.Get("MAC")) {
		return &paygate.Error{Code: paygate.Code("2" + paygate.ModuleCrypto + paygate.DetailMACMismatch),
			Description: "MAC does not match the request"}
	}
	return nil
}

// asPaygateError turns what the gateway refused into a Paygate code: a
// domain error naming a parameter names the Paygate field.
func asPaygateError(err error) (*paygate.Error, bool) {
	var pe *paygate.Error
	if errors.As(err, &pe) {
		return pe, true
	}
	var de *payments.Error
	if !errors.As(err, &de) {
		return nil, false
	}
	field := ""
	switch {
	case de.Param == "amount":
		field = "Amount"
	case de.Param == "currency":
		field = "Currency"
	case strings.HasSuffix(de.Param, "[country]"):
		field = "AddrCountryCode"
	case strings.HasSuffix(de.Param, "[name]"):
		field = "AccOwner"
	}
	if field == "" {
		return &paygate.Error{Code: paygate.Code("2" + paygate.ModuleInvalid + "0000"), Description: de.Message}, true
	}
	return paygate.FieldError(paygate.ModuleInvalid, field, de.Message), true
}

// writePlain answers a server-to-server call, or a refusal no shop URL can
// take, with the result as Key=Value text.
func writePlain(w http.ResponseWriter, status int, v *paygate.Values) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(v.Encode()))
}

// internal answers a failure of Kassa itself.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.Logger.ErrorContext(r.Context(), "paygate: request failed", "path", r.URL.Path, "error", err)
	v := &paygate.Values{}
	v.Set("Status", paygate.StatusFailed)
	v.Set("Code", "40000000")
	v.Set("Description", "Kassa could not process the request; try again.")
	writePlain(w, http.StatusInternalServerError, v)
}

// resultURL is target with the result: Len and Data when encrypt, else the
// result in plain; Plain and Custom's pairs travel beside it.
func resultURL(target string, result *paygate.Values, c *paygate.Cipher, encrypt bool, echo [][2]string) string {
	q := url.Values{}
	if encrypt {
		data, n := c.Encrypt(result.Encode())
		q.Set("Len", strconv.Itoa(n))
		q.Set("Data", data)
	} else {
		for _, k := range result.Keys() {
			q.Set(k, result.Get(k))
		}
	}
	for _, kv := range echo {
		if q.Get(kv[0]) == "" {
			q.Set(kv[0], kv[1])
		}
	}
	return target + "?" + q.Encode()
}

// errFinalWithoutResult: the intent left its redirect but the payment has
// no result; settling is in the same transaction, so this is a bug.
var errFinalWithoutResult = errors.New("paygateapi: the payment's intent has ended but the payment has no result")
