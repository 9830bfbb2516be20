package paygate

// The answers of the REST form: a created payment's id and links, a
// payment as its self link shows it, and refusals.

// RESTLink is one of a REST answer's _links.
type RESTLink struct {
	Href string `json:"href"`
	Type string `json:"type"`
}

// RESTLinks are the links of a payment: itself (JSON) and, when created,
// the page the shop sends the customer to (HTML).
type RESTLinks struct {
	Self     RESTLink  `json:"self"`
	Redirect *RESTLink `json:"redirect,omitempty"`
}

// RESTCreated is the answer to a REST payment: its PayID and links.
type RESTCreated struct {
	PaymentID string    `json:"paymentId"`
	Links     RESTLinks `json:"_links"`
}

// NewRESTCreated is the answer for payID whose JSON lives at self and
// whose customer goes to redirect.
func NewRESTCreated(payID, self, redirect string) RESTCreated {
	return RESTCreated{PaymentID: payID, Links: RESTLinks{
		Self:     RESTLink{Href: self, Type: "application/json"},
		Redirect: &RESTLink{Href: redirect, Type: "text/html"},
	}}
}

// RESTError is a refusal in the REST form: the result fields under the
// seed's REST names (status, code, description), and the JSON path of the
// field at fault when the code names one.
type RESTError struct {
	MerchantID    string `json:"merchantId,omitempty"`
	PaymentID     string `json:"paymentId,omitempty"`
	TransactionID string `json:"transactionId,omitempty"`
	Status        string `json:"status"`
	Code          Code   `json:"code"`
	Description   string `json:"description"`
	Field         string `json:"field,omitempty"`
}

// NewRESTError is e as a REST refusal.
func NewRESTError(e *Error, merchantID, transID string) RESTError {
	out := RESTError{MerchantID: merchantID, TransactionID: transID, Status: StatusFailed, Code: e.Code, Description: e.Description}
	if out.Field = RESTPath(e.Field); out.Field == "" {
		out.Field = e.Field // REST's own (payment.method), or ""
	}
	return out
}

// RESTAmount is an amount in minor units and its currency.
type RESTAmount struct {
	Value    int64  `json:"value"`
	Currency string `json:"currency"`
}

// RESTPayment is what GET of a payment's self link answers: what
// inquire.aspx reports, under the seed's REST names where it has them
// (the amounts' names are Kassa's).
type RESTPayment struct {
	PaymentID        string     `json:"paymentId"`
	MerchantID       string     `json:"merchantId"`
	XID              string     `json:"xId"`
	TransactionID    string     `json:"transactionId"`
	ReferenceNumber  string     `json:"referenceNumber,omitempty"`
	Status           string     `json:"status"`
	Code             Code       `json:"code,omitempty"`
	Description      string     `json:"description,omitempty"`
	Amount           RESTAmount `json:"amount"`
	AmountAuthorized int64      `json:"amountAuthorized"`
	AmountCaptured   int64      `json:"amountCaptured"`
	AmountCredited   int64      `json:"amountCredited"`
	Links            RESTLinks  `json:"_links"`
}
