package paygateapi

import (
	"net/http"
	"strconv"

	"kassa/internal/gateway"
	"kassa/internal/paygate"
)

// decryptCall reads a server-to-server call (credit, inquire): outer
// fields, decryption, the field list. A call that cannot be decrypted is
// answered 400 in plain; a decrypted one that is refused gets the
// encrypted, MACed refusal. ok is false when it has been answered.
func (s *Server) decryptCall(w http.ResponseWriter, r *http.Request, fields []paygate.Field) (*decrypted, paygate.Form, bool) {
	v, err := outer(r)
	if err != nil {
		s.refuse(w, r, nil, err)
		return nil, nil, false
	}
	d, err := s.decrypt(r.Context(), v)
	if err != nil {
		s.refuse(w, r, nil, err)
		return nil, nil, false
	}
	form, err := paygate.Validate(d.values, fields)
	if err != nil {
		s.answerRefusal(w, r, d, err)
		return nil, nil, false
	}
	return d, form, true
}

// answerRefusal answers a decrypted call that was refused, encrypted.
func (s *Server) answerRefusal(w http.ResponseWriter, r *http.Request, d *decrypted, err error) {
	pe, ok := asPaygateError(err)
	if !ok {
		s.internal(w, r, err)
		return
	}
	result := paygate.Refusal(d.merchant.MerchantID, d.values.Get("TransID"), pe, d.hmacKey)
	result.Set("PayID", d.values.Get("PayID"))
	result.Set("MAC", paygate.ResponseMAC(d.hmacKey, d.values.Get("PayID"), d.values.Get("TransID"), d.merchant.MerchantID, paygate.StatusFailed, pe.Code))
	answerEncrypted(w, d, result)
}

// answerEncrypted writes MerchantID=…&Len=…&Data=… as Paygate answers a
// server-to-server call.
func answerEncrypted(w http.ResponseWriter, d *decrypted, result *paygate.Values) {
	data, n := d.cipher.Encrypt(result.Encode())
	out := &paygate.Values{}
	out.Set("MerchantID", d.merchant.MerchantID)
	out.Set("Len", strconv.Itoa(n))
	out.Set("Data", data)
	writePlain(w, http.StatusOK, out)
}

// credit refunds a payment: credit.aspx.
func (s *Server) credit(w http.ResponseWriter, r *http.Request) {
	d, form, ok := s.decryptCall(w, r, paygate.CreditRequest)
	if !ok {
		return
	}
	if err := d.checkMAC(form["PayID"], form["TransID"], form["Amount"], form["Currency"]); err != nil {
		s.answerRefusal(w, r, d, err)
		return
	}
	amount, _ := strconv.ParseInt(form["Amount"], 10, 64) // n..10: digits only
	p, c, err := s.Gateway.PaygateCredit(r.Context(), d.merchant.MerchantID, gateway.PaygateCreditInput{
		PayID: form["PayID"], TransID: form["TransID"], Currency: form["Currency"], ReqID: form["ReqId"],
		RefNr: form["RefNr"], Amount: amount,
	})
	if err != nil {
		s.answerRefusal(w, r, d, err)
		return
	}
	answerEncrypted(w, d, p.CreditResult(c, d.hmacKey))
}

// inquire reports a payment's amounts and status: inquire.aspx.
func (s *Server) inquire(w http.ResponseWriter, r *http.Request) {
	d, form, ok := s.decryptCall(w, r, paygate.InquireRequest)
	if !ok {
		return
	}
	if form["MAC"] != "" { // some clients send none; the encryption still authenticates them
		if err := d.checkMAC(form["PayID"], form["TransID"], "", ""); err != nil {
			s.answerRefusal(w, r, d, err)
			return
		}
	}
	q, err := s.Gateway.InquirePaygate(r.Context(), d.merchant.MerchantID, form["PayID"])
	if err != nil {
		s.answerRefusal(w, r, d, err)
		return
	}
	p := q.Payment
	v := &paygate.Values{}
	v.Set("mid", p.MerchantID)
	v.Set("PayID", p.PayID)
	v.Set("XID", p.XID)
	v.Set("TransID", p.TransID)
	v.Set("Status", paygate.StatusOK)
	v.Set("Description", "success")
	v.Set("Code", string(paygate.CodeOK))
	v.Set("AmountAuth", strconv.FormatInt(q.AmountAuth, 10))
	v.Set("AmountCap", strconv.FormatInt(q.AmountCap, 10))
	v.Set("AmountCred", strconv.FormatInt(q.AmountCred, 10))
	v.Set("LastStatus", q.LastStatus)
	v.Set("Currency", p.Currency)
	v.Set("MAC", paygate.ResponseMAC(d.hmacKey, p.PayID, p.TransID, p.MerchantID, paygate.StatusOK, paygate.CodeOK))
	answerEncrypted(w, d, v)
}
