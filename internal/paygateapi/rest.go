package paygateapi

import (
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"kassa/internal/gateway"
	"kassa/internal/paygate"
	"kassa/internal/store"
)

// RESTPaymentsPath is where Paygate's REST API takes payments
// (https://www.computop-paygate.com/api/v1/payments), on Kassa's host.
const RESTPaymentsPath = "/api/v1/payments"

// restPayment is the REST form of sofort.aspx: the JSON body is translated
// into the key-value request and goes through the same field list and the
// same payment creation; the answer is the payment's id and links.
func (s *Server) restPayment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m, ok := s.restAuth(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.restRefuse(w, r, m, "", &paygate.Error{Code: paygate.Code("2" + paygate.ModuleFormat + "0000"), Description: "the body could not be read (at most 64 KiB)"})
		return
	}
	v, err := paygate.SofortFromJSON(body, m.MerchantID)
	if err != nil {
		s.restRefuse(w, r, m, "", err)
		return
	}
	form, err := paygate.Validate(v, paygate.SofortRESTRequest)
	if err != nil {
		s.restRefuse(w, r, m, v.Get("TransID"), err)
		return
	}
	p, redirect, err := s.startSofort(ctx, m, form)
	if err != nil {
		s.restRefuse(w, r, m, form["TransID"], err)
		return
	}
	status := http.StatusCreated
	if redirect == "" { // a repeated ReqId: the original payment, whose result the return path shows
		status, redirect = http.StatusOK, s.publicURL()+gateway.PaygateReturnPath+p.PayID
	}
	self := s.selfURL(p.PayID)
	w.Header().Set("Location", self)
	writeJSON(w, status, paygate.NewRESTCreated(p.PayID, self, redirect))
}

// restGetPayment answers GET of a payment's self link: what inquire.aspx
// reports, as JSON. Another merchant's payment is as unknown as a
// made-up one (404).
func (s *Server) restGetPayment(w http.ResponseWriter, r *http.Request) {
	m, ok := s.restAuth(w, r)
	if !ok {
		return
	}
	payID := r.PathValue("paymentId")
	q, err := s.Gateway.InquirePaygate(r.Context(), m.MerchantID, payID)
	if err != nil {
		s.restRefuse(w, r, m, "", err)
		return
	}
	p := q.Payment
	out := paygate.RESTPayment{
		PaymentID: p.PayID, MerchantID: p.MerchantID, XID: p.XID, TransactionID: p.TransID, ReferenceNumber: p.RefNr,
		Status: q.LastStatus, Code: p.Code, Description: p.Description,
		Amount:           paygate.RESTAmount{Value: p.Amount, Currency: p.Currency},
		AmountAuthorized: q.AmountAuth, AmountCaptured: q.AmountCap, AmountCredited: q.AmountCred,
		Links: paygate.RESTLinks{Self: paygate.RESTLink{Href: s.selfURL(p.PayID), Type: "application/json"}},
	}
	writeJSON(w, http.StatusOK, out)
}

// restAuth checks HTTP Basic auth: Username the MerchantID, password the
// merchant's HMAC key (Kassa issues no separate REST key; see
// docs/paygate.md). An unknown MerchantID and a wrong password get the
// same answer, so the answer tells nobody which MerchantIDs exist.
func (s *Server) restAuth(w http.ResponseWriter, r *http.Request) (*paygate.Merchant, bool) {
	mid, password, ok := r.BasicAuth()
	refused := func() (*paygate.Merchant, bool) {
		w.Header().Set("WWW-Authenticate", `Basic realm="kassa-paygate"`)
		writeJSON(w, http.StatusUnauthorized, paygate.NewRESTError(&paygate.Error{
			Code:        paygate.Code("2" + paygate.ModuleCrypto + paygate.DetailAuth),
			Description: "HTTP Basic auth with the MerchantID as user name and the HMAC key as password is required",
		}, "", ""))
		return nil, false
	}
	if !ok || mid == "" {
		return refused()
	}
	m, err := s.Gateway.PaygateMerchant(r.Context(), mid)
	if errors.Is(err, store.ErrNotFound) {
		return refused()
	}
	if err != nil {
		s.restInternal(w, r, err)
		return nil, false
	}
	_, hmacKey, err := s.Gateway.PaygateKeys(m)
	if err != nil {
		s.restInternal(w, r, err)
		return nil, false
	}
	if !hmac.Equal([]byte(password), hmacKey) {
		return refused()
	}
	return m, true
}

// restRefuse answers a refused REST call with its code: 404 for a payment
// that is not the merchant's, else 400; nothing was created.
func (s *Server) restRefuse(w http.ResponseWriter, r *http.Request, m *paygate.Merchant, transID string, err error) {
	pe, ok := asPaygateError(err)
	if !ok {
		s.restInternal(w, r, err)
		return
	}
	status := http.StatusBadRequest
	if pe.Field == "PayID" && r.Method == http.MethodGet {
		status = http.StatusNotFound
	}
	writeJSON(w, status, paygate.NewRESTError(pe, m.MerchantID, transID))
}

// restInternal answers a failure of Kassa itself.
func (s *Server) restInternal(w http.ResponseWriter, r *http.Request, err error) {
	s.Logger.ErrorContext(r.Context(), "paygate: REST request failed", "path", r.URL.Path, "error", err)
	writeJSON(w, http.StatusInternalServerError, paygate.RESTError{Status: paygate.StatusFailed, Code: "40000000",
		Description: "Kassa could not process the request; try again."})
}

func (s *Server) publicURL() string { return strings.TrimRight(s.Gateway.PublicURL, "/") }

func (s *Server) selfURL(payID string) string { return s.publicURL() + RESTPaymentsPath + "/" + payID }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
