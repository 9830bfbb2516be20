package paygate

import "regexp"

// refNrChars is the seed's rule for RefNr: only a-zA-Z0-9,-_.
var refNrChars = regexp.MustCompile(`^[a-zA-Z0-9,\-_]*$`)

// SofortCountries are the countries Sofort via PPRO takes (AddrCountryCode).
var SofortCountries = []string{"DE", "AT", "BE", "NL", "ES", "CH", "IT"}

// SofortRequest is the format table of the encrypted sofort.aspx request,
// as seed 001 publishes it. MerchantID is also sent in plain; the adapter
// checks the two agree.
var SofortRequest = []Field{
	{Name: "MerchantID", Format: "ans..30", Need: Mandatory},
	{Name: "TransID", Format: "ans..64", Need: Mandatory},
	{Name: "RefNr", Format: "ans..40", Need: Optional, Pattern: refNrChars},
	{Name: "Amount", Format: "n..10", Need: Mandatory},
	{Name: "Currency", Format: "a3", Need: Mandatory, Allowed: []string{"EUR"}},
	{Name: "MAC", Format: "an64", Need: Mandatory},
	{Name: "OrderDesc", Format: "ans..384", Need: Mandatory},
	{Name: "AccOwner", Format: "ans3..50", Need: Mandatory},
	{Name: "IBAN", Format: "an..34", Need: Optional},
	{Name: "BIC", Format: "an..11", Need: Optional},
	{Name: "AddrCountryCode", Format: "a2", Need: Mandatory, Allowed: SofortCountries},
	{Name: "Language", Format: "a2", Need: Optional, Allowed: []string{"de", "en", "fr", "nl", "pl"}},
	{Name: "URLSuccess", Format: "ans..256", Need: Mandatory},
	{Name: "URLFailure", Format: "ans..256", Need: Mandatory},
	{Name: "Response", Format: "a7", Need: Optional, Allowed: []string{"encrypt"}},
	{Name: "URLNotify", Format: "ans..256", Need: Mandatory},
	{Name: "UserData", Format: "ans..1024", Need: Optional},
	{Name: "ReqId", Format: "ans..32", Need: Optional},
	{Name: "SellingPoint", Format: "ans..50", Need: Optional},
	{Name: "Service", Format: "ans..50", Need: Optional},
	{Name: "Channel", Format: "ans..64", Need: Optional},
	{Name: "Plain", Format: "ans..50", Need: Optional},
	{Name: "Custom", Format: "ans..1024", Need: Optional},
}

// CreditRequest is credit.aspx's table (seed 001, credits with Sofort),
// with RefNr and OrderDesc as the fact sheet lists them.
var CreditRequest = []Field{
	{Name: "MerchantID", Format: "ans..30", Need: Mandatory},
	{Name: "PayID", Format: "an32", Need: Mandatory},
	{Name: "TransID", Format: "ans..64", Need: Mandatory},
	{Name: "Amount", Format: "n..10", Need: Mandatory},
	{Name: "Currency", Format: "a3", Need: Mandatory},
	{Name: "MAC", Format: "an64", Need: Mandatory},
	{Name: "ReqId", Format: "ans..32", Need: Optional},
	{Name: "RefNr", Format: "ans..40", Need: Optional, Pattern: refNrChars},
	{Name: "OrderDesc", Format: "ans..384", Need: Optional},
}

// InquireRequest is inquire.aspx's: the payment and, from most clients, a
// MAC over PayID*TransID*MerchantID** (checked when sent).
var InquireRequest = []Field{
	{Name: "MerchantID", Format: "ans..30", Need: Mandatory},
	{Name: "PayID", Format: "an32", Need: Mandatory},
	{Name: "TransID", Format: "ans..64", Need: Optional},
	{Name: "MAC", Format: "an64", Need: Optional},
}
