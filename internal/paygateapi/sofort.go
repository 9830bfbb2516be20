package paygateapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"kassa/internal/paygate"
)

// sofort starts a Sofort payment: decrypt, validate every field against
// the seed's table, check the MAC and the URLs, then create the payment
// and send the customer to the bank. A refused request goes back to
// URLFailure with the code when that URL can be trusted, else it is
// answered here.
func (s *Server) sofort(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := outer(r)
	if err != nil {
		s.refuse(w, r, nil, err)
		return
	}
	d, err := s.decrypt(ctx, v)
	if err != nil {
		s.refuse(w, r, nil, err)
		return
	}
	form, err := paygate.Validate(d.values, paygate.SofortRequest)
	if err == nil {
		err = d.checkMAC("", form["TransID"], form["Amount"], form["Currency"])
	}
	if err != nil {
		s.refuse(w, r, d, err)
		return
	}
	p, redirect, err := s.startSofort(ctx, d.merchant, form)
	if err != nil {
		if _, ok := asPaygateError(err); ok {
			s.refuse(w, r, d, err)
			return
		}
		s.internal(w, r, err)
		return
	}
	if redirect == "" {
		s.redirectResult(w, r, p, d.cipher, d.hmacKey)
		return
	}
	http.Redirect(w, r, redirect, http.StatusSeeOther)
}

// startSofort turns a validated Sofort request of m, from sofort.aspx or
// its REST form, into a payment: the URL rules, then the original result
// of a repeated ReqId (redirect ""), or a new payment and the bank's
// address for the customer.
func (s *Server) startSofort(ctx context.Context, m *paygate.Merchant, form paygate.Form) (*paygate.Payment, string, error) {
	for _, field := range []string{"URLSuccess", "URLFailure", "URLNotify"} {
		if err := paygate.CheckURL(field, form[field], s.AllowHTTP); err != nil {
			return nil, "", err
		}
	}
	// Kassa calls URLNotify itself; the other two are the customer's.
	if host, forbidden := s.Gateway.ForbiddenDestination(form["URLNotify"]); forbidden {
		return nil, "", paygate.FieldError(paygate.ModuleNotAllowed, "URLNotify", "this Kassa does not call private or local addresses ("+host+")")
	}
	if replay, err := s.Gateway.ReplayPaygateReqID(ctx, m.MerchantID, form["ReqId"]); err != nil || replay != nil {
		return replay, "", err
	}
	amount, _ := strconv.ParseInt(form["Amount"], 10, 64) // n..10: digits only
	p := &paygate.Payment{
		PayID: paygate.NewPaymentID(), XID: paygate.NewPaymentID(),
		AccountID: m.AccountID, MerchantID: m.MerchantID,
		TransID: form["TransID"], RefNr: form["RefNr"], ReqID: form["ReqId"],
		Amount: amount, Currency: strings.ToUpper(form["Currency"]),
		OrderDesc: form["OrderDesc"], AccOwner: form["AccOwner"], IBAN: form["IBAN"], BIC: form["BIC"],
		Country:    strings.ToUpper(form["AddrCountryCode"]),
		URLSuccess: form["URLSuccess"], URLFailure: form["URLFailure"], URLNotify: form["URLNotify"],
		Encrypt:  strings.EqualFold(form["Response"], "encrypt"),
		UserData: form["UserData"], Plain: form["Plain"], Custom: form["Custom"],
	}
	redirect, err := s.Gateway.StartPaygatePayment(ctx, p)
	if err != nil {
		return nil, "", err
	}
	return p, redirect, nil
}

// refuse answers a refused request. With the merchant's keys and a
// URLFailure that passes the rules, the customer goes back to the shop
// with the MACed refusal; otherwise the refusal is answered here (400).
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, d *decrypted, err error) {
	pe, ok := asPaygateError(err)
	if !ok {
		s.internal(w, r, err)
		return
	}
	if d != nil {
		failure := d.values.Get("URLFailure")
		if paygate.CheckURL("URLFailure", failure, s.AllowHTTP) == nil {
			result := paygate.Refusal(d.merchant.MerchantID, d.values.Get("TransID"), pe, d.hmacKey)
			encrypt := strings.EqualFold(d.values.Get("Response"), "encrypt")
			http.Redirect(w, r, resultURL(failure, result, d.cipher, encrypt, nil), http.StatusSeeOther)
			return
		}
	}
	v := &paygate.Values{}
	if d != nil {
		v.Set("mid", d.merchant.MerchantID)
	}
	v.Set("Status", paygate.StatusFailed)
	v.Set("Code", string(pe.Code))
	v.Set("Description", pe.Description)
	writePlain(w, http.StatusBadRequest, v)
}

// redirectResult sends the customer to URLSuccess or URLFailure with p's result.
func (s *Server) redirectResult(w http.ResponseWriter, r *http.Request, p *paygate.Payment, c *paygate.Cipher, hmacKey []byte) {
	target := p.URLFailure
	if p.Status == paygate.StatusOK {
		target = p.URLSuccess
	}
	http.Redirect(w, r, resultURL(target, p.Result(hmacKey), c, p.Encrypt, p.Echo()), http.StatusSeeOther)
}

// returned is where the bank sends the customer back: on to the shop
// with the result, or back to the bank while the payment is still open.
func (s *Server) returned(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, m, err := s.Gateway.PaygatePayment(ctx, r.PathValue("payid"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if !p.Final() {
		pi, err := s.Gateway.PaygatePaymentIntent(ctx, p)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if pi.Pending != nil {
			http.Redirect(w, r, pi.Pending.RedirectURL, http.StatusSeeOther)
			return
		}
		s.internal(w, r, errFinalWithoutResult)
		return
	}
	c, hmacKey, err := s.Gateway.PaygateKeys(m)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.redirectResult(w, r, p, c, hmacKey)
}
