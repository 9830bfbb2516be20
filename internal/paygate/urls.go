package paygate

import (
	"net/url"
	"strings"
)

// CheckURL applies Paygate's rules to URLSuccess, URLFailure and
// URLNotify: an absolute URL without parameters (UserData carries what
// the shop needs back), on https port 443, unless allowHTTP also lets
// plain http and other ports through (a shop developed against a local
// Kassa).
func CheckURL(field, raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return FieldError(ModuleInvalid, field, "must be an absolute URL")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return FieldError(ModuleNotAllowed, field, "may not contain parameters; pass them in UserData")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "https" && (u.Port() == "" || u.Port() == "443") {
		return nil
	}
	if allowHTTP && (scheme == "http" || scheme == "https") {
		return nil
	}
	return FieldError(ModuleNotAllowed, field, "must be an https URL on port 443")
}

// Refusal is the result of a request refused before it became a payment:
// no PayID, Status FAILED and the refusal's code, MACed like any result.
func Refusal(merchantID, transID string, e *Error, hmacKey []byte) *Values {
	v := &Values{}
	v.Set("mid", merchantID)
	v.Set("PayID", "")
	v.Set("XID", "")
	v.Set("TransID", transID)
	v.Set("Status", StatusFailed)
	v.Set("Description", e.Description)
	v.Set("Code", string(e.Code))
	v.Set("MAC", ResponseMAC(hmacKey, "", transID, merchantID, StatusFailed, e.Code))
	return v
}
