package paygate

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// The REST form of the Sofort payment (seed 001's REST column): the same
// request as sofort.aspx written as JSON, sent with HTTP Basic auth
// (Username = MerchantID) and no MAC. It is translated into the key-value
// request and then checked with the same field list, so both forms accept
// and refuse exactly the same things.

// restField says where the REST form carries one key of the key-value
// request: a JSON path, "a.b.c", where "name[0]" is the first element of
// the array name (or a member literally named so).
type restField struct {
	Key  string
	Path string
}

// SofortRESTFields is the seed's REST column for sofort.aspx, in the
// order of its table. A key with two rows takes the first that is given.
var SofortRESTFields = []restField{
	{"TransID", "transactionId"},
	{"RefNr", "referenceNumber"},
	{"Amount", "amount.value"},
	{"Currency", "amount.currency"},
	{"OrderDesc", "order.description[0]"},
	{"AccOwner", "payment.sofort.account.accountHolder"},
	{"IBAN", "payment.sofort.account.number"},
	{"BIC", "payment.sofort.account.code"},
	{"AddrCountryCode", "billing.addressInfo.country.A2"},
	{"Language", "language"},
	{"URLSuccess", "urls.success"},
	{"URLFailure", "urls.failure"},
	{"URLNotify", "urls.notify"},
	{"UserData", "metadata.userData"},
	{"ReqId", "requestId"},
	{"SellingPoint", "payment.sofort.sellingPoint"},
	{"Service", "payment.sofort.service"},
	{"Channel", "channel.code"},
	{"Plain", "metadata.plain"},
	// The seed writes Custom as "metadata": "…" beside metadata[userData]
	// and metadata[plain]: a string metadata is Custom, an object's
	// "custom" member too.
	{"Custom", "metadata.custom"},
	{"Custom", "metadata"},
}

// SofortRESTRequest is SofortRequest without the MAC: Basic auth
// authenticates a REST call. Response is not in the JSON; SofortFromJSON
// sets it to encrypt (results to the shop's URLs are always encrypted).
var SofortRESTRequest = omit(SofortRequest, "MAC")

func omit(fields []Field, names ...string) []Field {
	var out []Field
	for _, f := range fields {
		skip := false
		for _, n := range names {
			skip = skip || f.Name == n
		}
		if !skip {
			out = append(out, f)
		}
	}
	return out
}

// SofortFromJSON translates a REST payment request into the key-value
// request of merchantID, ready for Validate with SofortRESTRequest. It
// only moves values: a string is taken as it is, a number as it was
// written (so 19.99 reaches Validate and fails Amount's n..10 there). A
// value that is neither, or a body that is not a JSON object, is refused
// with the code of the field it stands for.
func SofortFromJSON(body []byte, merchantID string) (*Values, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return nil, &Error{Code: newCode(SeverityError, ModuleFormat, "0000"), Description: "the body must be one JSON object"}
	}
	if m, ok := lookupPath(doc, "payment.method"); ok {
		if s, _ := m.(string); !strings.EqualFold(s, "sofort") {
			return nil, &Error{Code: newCode(SeverityError, ModuleNotAllowed, "0000"),
				Description: "payment.method: Kassa's REST interface takes sofort only", Field: "payment.method"}
		}
	}
	v := &Values{}
	v.Set("MerchantID", merchantID)
	for _, f := range SofortRESTFields {
		if _, done := v.Lookup(f.Key); done {
			continue
		}
		raw, ok := lookupPath(doc, f.Path)
		if !ok || raw == nil {
			continue
		}
		switch x := raw.(type) {
		case string:
			if strings.Contains(x, "&") { // the key-value form cannot carry it, nor the result built from it
				return nil, FieldError(ModuleFormat, f.Key, f.Path+" may not contain \"&\"")
			}
			v.Set(f.Key, x)
		case json.Number:
			v.Set(f.Key, x.String())
		case map[string]any:
			if f.Key == "Custom" && f.Path == "metadata" {
				continue // metadata is the object of userData and plain
			}
			return nil, FieldError(ModuleFormat, f.Key, f.Path+" must be a string")
		default:
			return nil, FieldError(ModuleFormat, f.Key, f.Path+" must be a string")
		}
	}
	v.Set("Response", "encrypt")
	return v, nil
}

// lookupPath finds path in doc; ok is false when some part is absent.
func lookupPath(doc map[string]any, path string) (any, bool) {
	var cur any = doc
	for _, part := range strings.Split(path, ".") {
		obj, isObj := cur.(map[string]any)
		if !isObj {
			return nil, false
		}
		if next, ok := obj[part]; ok { // also "description[0]" written literally
			cur = next
			continue
		}
		name, index, isIndex := splitIndex(part)
		if !isIndex {
			return nil, false
		}
		list, isList := obj[name].([]any)
		if !isList || index >= len(list) {
			return nil, false
		}
		cur = list[index]
	}
	return cur, true
}

// splitIndex reads "name[3]" as name and 3.
func splitIndex(part string) (string, int, bool) {
	name, rest, ok := strings.Cut(part, "[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return "", 0, false
	}
	i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	return name, i, err == nil && i >= 0
}

// RESTPath is where the REST form carries a key-value field, for errors
// that name it; "" for fields it does not carry.
func RESTPath(key string) string {
	for _, f := range SofortRESTFields {
		if strings.EqualFold(f.Key, key) {
			return f.Path
		}
	}
	switch strings.ToLower(key) {
	case "merchantid":
		return "BasicAuth.Username"
	case "payid":
		return "paymentId"
	}
	return ""
}
