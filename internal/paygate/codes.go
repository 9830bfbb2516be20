// Package paygate is Kassa's Computop Paygate key-value dialect: the
// Blowfish and AES encodings of Data, the HMAC-SHA256 MAC, the plain
// Key=Value parser and the eight-character result codes. It is pure: no
// HTTP, no SQL; the adapter that serves the *.aspx endpoints calls it.
package paygate

import "fmt"

// A Code is Paygate's eight-character result: digit 1 the severity, digits
// 2–4 the module, digits 5–8 the parameter or detail. Only CodeOK means
// success.
type Code string

// CodeOK is the one code that means success.
const CodeOK Code = "00000000"

// Severities (digit 1).
const (
	SeverityOK      = '0'
	SeverityError   = '2'
	SeverityFatal   = '4'
	SeverityPending = '6'
)

// Modules (digits 2–4), as Paygate numbers them.
const (
	ModuleCrypto       = "001"
	ModuleMissing      = "010"
	ModuleFormat       = "011"
	ModuleInvalid      = "012"
	ModuleTooShort     = "013"
	ModuleTooLong      = "014"
	ModuleValueMissing = "015"
	ModuleNotAllowed   = "016"
	ModuleAlreadyThere = "017"
	ModuleExpired      = "018"
	// ModulePayment is Kassa's own: how a payment ended when it did not
	// succeed (DetailDeclined, DetailExpired, DetailCanceled).
	ModulePayment = "050"
)

// Payment outcome details (module 050).
const (
	DetailDeclined = "0001" // the customer did not authorize it at the bank (wrong TAN, gave up)
	DetailExpired  = "0002" // the customer did not finish in time
	DetailCanceled = "0003" // the merchant canceled the payment
	// DetailNotifyUnanswered refuses a credit before the shop answered the
	// payment's first notify, as Paygate requires.
	DetailNotifyUnanswered = "0004"
	// DetailNotPaid refuses a credit of a payment that did not succeed.
	DetailNotPaid = "0005"
)

// OutcomeCode is the code of a payment that failed for detail.
func OutcomeCode(detail string) Code { return newCode(SeverityError, ModulePayment, detail) }

// Crypto details (module 001): what was wrong with Data or MAC.
const (
	DetailDataNotHex    = "0001" // Data is not hex (or the AES IV part is not)
	DetailDataBlockSize = "0002" // cipher text is not a whole number of blocks
	DetailLenBeyondData = "0003" // Len is longer than the decrypted text
	DetailAESPadding    = "0004" // AES plain text does not end in valid PKCS#7
	DetailKey           = "0005" // the merchant's key cannot make a cipher
	DetailMACMismatch   = "0006" // MAC does not match the request
	DetailDataEmpty     = "0007" // Data decodes to nothing
	// DetailAuth refuses a REST call whose Basic credentials (MerchantID
	// and password) do not match a merchant.
	DetailAuth = "0008"
)

// Fields numbers every Paygate parameter Kassa knows; a code naming a
// field carries its number as digits 5–8. docs/paygate.md publishes this
// table, so the numbers never change once released: add, never renumber.
var Fields = map[string]string{
	"MerchantID":      "0001",
	"Len":             "0002",
	"Data":            "0003",
	"TransID":         "0004",
	"RefNr":           "0005",
	"Amount":          "0006",
	"Currency":        "0007",
	"MAC":             "0008",
	"OrderDesc":       "0009",
	"AccOwner":        "0010",
	"IBAN":            "0011",
	"BIC":             "0012",
	"AddrCountryCode": "0013",
	"Language":        "0014",
	"URLSuccess":      "0015",
	"URLFailure":      "0016",
	"Response":        "0017",
	"URLNotify":       "0018",
	"UserData":        "0019",
	"ReqId":           "0020",
	"SellingPoint":    "0021",
	"Service":         "0022",
	"Channel":         "0023",
	"Plain":           "0024",
	"Custom":          "0025",
	"PayID":           "0026",
}

// Error is a refusal with its Paygate code; Description is for people,
// Code is what a client must act on.
type Error struct {
	Code        Code
	Description string
	// Field is the parameter at fault when the code names one (its
	// spelling in Fields), so the REST form can point at its JSON path.
	Field string
}

func (e *Error) Error() string { return fmt.Sprintf("paygate %s: %s", e.Code, e.Description) }

// Severity is the code's first digit.
func (c Code) Severity() byte {
	if len(c) != 8 {
		return SeverityFatal
	}
	return c[0]
}

// newCode assembles a code; a detail that is not four characters is a
// programming error, caught by the code table test.
func newCode(severity byte, module, detail string) Code {
	return Code(string(severity) + module + detail)
}

// cryptoError is an error in module 001.
func cryptoError(detail, description string) *Error {
	return &Error{Code: newCode(SeverityError, ModuleCrypto, detail), Description: description}
}

// FieldError is an error in module naming field (by its number in Fields,
// matched in any case).
// An unknown field name gets detail 0000 rather than a panic.
func FieldError(module, field, description string) *Error {
	field = canonicalName(field) // names arrive in any case
	detail, ok := Fields[field]
	if !ok {
		detail = "0000"
	}
	return &Error{Code: newCode(SeverityError, module, detail), Description: field + ": " + description, Field: field}
}
