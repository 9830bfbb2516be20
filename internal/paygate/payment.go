package paygate

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Result statuses a shop receives.
const (
	StatusOK     = "OK"
	StatusFailed = "FAILED"
)

// Payment is one Paygate payment (a PayID): what the shop asked for, the
// PaymentIntent that carries it, its result once final, and the state of
// the notify owed to the shop's URLNotify.
type Payment struct {
	PayID      string `json:"pay_id"`
	XID        string `json:"xid"`
	AccountID  string `json:"account_id"`
	MerchantID string `json:"merchant_id"`
	IntentID   string `json:"intent_id"`

	TransID   string `json:"trans_id"`
	RefNr     string `json:"ref_nr,omitempty"`
	ReqID     string `json:"req_id,omitempty"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	OrderDesc string `json:"order_desc"`
	AccOwner  string `json:"acc_owner"`
	IBAN      string `json:"iban,omitempty"`
	BIC       string `json:"bic,omitempty"`
	Country   string `json:"country"`

	URLSuccess string `json:"url_success"`
	URLFailure string `json:"url_failure"`
	URLNotify  string `json:"url_notify"`
	// Encrypt is Response=encrypt: browser returns carry Len/Data rather
	// than the result in plain (notifies are always encrypted).
	Encrypt  bool   `json:"encrypt,omitempty"`
	UserData string `json:"user_data,omitempty"`
	Plain    string `json:"plain,omitempty"`
	Custom   string `json:"custom,omitempty"`

	// Status is "" while the customer is at the bank, then OK or FAILED.
	Status      string `json:"status,omitempty"`
	Code        Code   `json:"code,omitempty"`
	Description string `json:"description,omitempty"`

	// Credits are the payment's credits (refunds) through credit.aspx.
	Credits []Credit `json:"credits,omitempty"`

	Notify Notify `json:"notify"`
	// Claim and LeaseUntil hold a sender's lease on the notify (kept in
	// their own columns, not in the document).
	Claim      string    `json:"-"`
	LeaseUntil time.Time `json:"-"`

	Created time.Time `json:"created"`
}

// Notify is the server-to-server POST of the result to URLNotify.
type Notify struct {
	// State: "" until the payment is final, then pending, answered (a 2xx)
	// or failed (every try refused).
	State      string    `json:"state,omitempty"`
	Attempts   int       `json:"attempts,omitempty"`
	NextAt     time.Time `json:"next_at,omitzero"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	LastError  string    `json:"last_error,omitempty"`
}

// Notify states.
const (
	NotifyPending  = "pending"
	NotifyAnswered = "answered"
	NotifyFailed   = "failed"
)

// NotifySchedule is how long to wait after each failed try, Paygate's
// pattern: eight tries in all over about a day (0, 1m, 6m, 36m, 1h36m,
// 4h36m, 10h36m, 22h36m after the payment ended).
var NotifySchedule = []time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
}

// NewPaymentID makes a PayID or XID: 32 lowercase hex digits (an32).
func NewPaymentID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("paygate: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Final says whether the payment has its result.
func (p *Payment) Final() bool { return p.Status != "" }

// Settle gives the payment its result and owes the shop a notify now. A
// payment settles once; later calls change nothing and return false.
func (p *Payment) Settle(status string, code Code, description string, now time.Time) bool {
	if p.Final() {
		return false
	}
	p.Status, p.Code, p.Description = status, code, description
	p.Notify = Notify{State: NotifyPending, NextAt: now}
	return true
}

// NotifyTried records one try: a 2xx answers it; otherwise the next try is
// scheduled, or after the last one the notify is given up.
func (p *Payment) NotifyTried(answered bool, failure string, now time.Time) {
	p.Notify.Attempts++
	p.Claim, p.LeaseUntil = "", time.Time{}
	if answered {
		p.Notify.State, p.Notify.NextAt, p.Notify.AnsweredAt, p.Notify.LastError = NotifyAnswered, time.Time{}, now, ""
		return
	}
	p.Notify.LastError = failure
	if p.Notify.Attempts > len(NotifySchedule) {
		p.Notify.State, p.Notify.NextAt = NotifyFailed, time.Time{}
		return
	}
	p.Notify.NextAt = now.Add(NotifySchedule[p.Notify.Attempts-1])
}

// Result is the result a shop receives, in Paygate's order; the MAC is
// over PayID*TransID*mid*Status*Code with the merchant's HMAC key.
func (p *Payment) Result(hmacKey []byte) *Values {
	v := &Values{}
	v.Set("mid", p.MerchantID)
	v.Set("PayID", p.PayID)
	v.Set("XID", p.XID)
	v.Set("TransID", p.TransID)
	v.Set("Status", p.Status)
	v.Set("Description", p.Description)
	v.Set("Code", string(p.Code))
	if p.RefNr != "" {
		v.Set("RefNr", p.RefNr)
	}
	if p.UserData != "" {
		v.Set("UserData", p.UserData)
	}
	v.Set("Amount", strconv.FormatInt(p.Amount, 10))
	v.Set("Currency", p.Currency)
	v.Set("AccOwner", p.AccOwner)
	if p.IBAN != "" {
		v.Set("IBAN", p.IBAN)
	}
	if p.BIC != "" {
		v.Set("BIC", p.BIC)
	}
	v.Set("MAC", ResponseMAC(hmacKey, p.PayID, p.TransID, p.MerchantID, p.Status, p.Code))
	return v
}

// Echo is what travels beside Len/Data in plain: Plain as it was given,
// and Custom's pairs with "|" read as "&", as Paygate documents.
func (p *Payment) Echo() [][2]string {
	var out [][2]string
	if p.Plain != "" {
		out = append(out, [2]string{"Plain", p.Plain})
	}
	if p.Custom != "" {
		for _, part := range strings.Split(p.Custom, "|") {
			if k, v, _ := strings.Cut(part, "="); k != "" {
				out = append(out, [2]string{k, v})
			}
		}
	}
	return out
}

// Credit is one credit.aspx action on a payment: its own XID and result,
// and the refund that carries it.
type Credit struct {
	XID         string    `json:"xid"`
	TransID     string    `json:"trans_id"`
	ReqID       string    `json:"req_id,omitempty"`
	RefNr       string    `json:"ref_nr,omitempty"`
	Amount      int64     `json:"amount"`
	RefundID    string    `json:"refund_id,omitempty"`
	Status      string    `json:"status"`
	Code        Code      `json:"code"`
	Description string    `json:"description"`
	Created     time.Time `json:"created"`
}

// CreditByReqID finds the payment's credit made with ReqId reqID.
func (p *Payment) CreditByReqID(reqID string) *Credit {
	if reqID == "" {
		return nil
	}
	for i := range p.Credits {
		if p.Credits[i].ReqID == reqID {
			return &p.Credits[i]
		}
	}
	return nil
}

// CreditResult is the answer to a credit: mid, PayID, XID, TransID,
// Status, Code, Description and the MAC.
func (p *Payment) CreditResult(c *Credit, hmacKey []byte) *Values {
	v := &Values{}
	v.Set("mid", p.MerchantID)
	v.Set("PayID", p.PayID)
	v.Set("XID", c.XID)
	v.Set("TransID", c.TransID)
	v.Set("Status", c.Status)
	v.Set("Description", c.Description)
	v.Set("Code", string(c.Code))
	if c.RefNr != "" {
		v.Set("RefNr", c.RefNr)
	}
	v.Set("MAC", ResponseMAC(hmacKey, p.PayID, c.TransID, p.MerchantID, c.Status, c.Code))
	return v
}
