package payments

import (
	"strings"
	"time"

	"kassa/internal/methods"
)

// PaymentMethod is how a customer pays: a method type and billing details.
// Kassa's methods are redirects and transfers, so it never holds card data.
type PaymentMethod struct {
	ID             string            `json:"id"`
	AccountID      string            `json:"account_id"`
	Type           methods.Type      `json:"type"`
	BillingDetails BillingDetails    `json:"billing_details"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	// Agreement is the customer's consent to later charges without them,
	// saved by a payment with setup_future_usage (nil: none).
	Agreement *Agreement `json:"agreement,omitempty"`
	Created   time.Time  `json:"created"`
}

// BillingDetails are Stripe's billing_details.
type BillingDetails struct {
	Name    string  `json:"name,omitempty"`
	Email   string  `json:"email,omitempty"`
	Phone   string  `json:"phone,omitempty"`
	Address Address `json:"address"`
}

// Address is a postal address; Country is ISO 3166-1 alpha-2 upper case.
type Address struct {
	City       string `json:"city,omitempty"`
	Country    string `json:"country,omitempty"`
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	State      string `json:"state,omitempty"`
}

// NewPaymentMethod validates and builds a payment method of a catalogue type.
// paramPrefix is where the caller's parameters live ("" for
// /v1/payment_methods, "payment_method_data" inline), for error params.
func NewPaymentMethod(id, accountID string, typ methods.Type, billing BillingDetails, metadata map[string]string, paramPrefix string, now time.Time) (*PaymentMethod, error) {
	if _, ok := methods.Lookup(typ); !ok {
		return nil, invalid(CodeParameterInvalid, join(paramPrefix, "type"),
			"Invalid payment method type %q: Kassa supports %s.", typ, strings.Join(methods.Types(), ", "))
	}
	country := strings.ToUpper(strings.TrimSpace(billing.Address.Country))
	if country != "" && !isCountryCode(country) {
		return nil, invalid(CodeParameterInvalid, join(paramPrefix, "billing_details[address][country]"),
			"Invalid country %q: use a two-letter ISO 3166-1 code such as DE.", billing.Address.Country)
	}
	billing.Address.Country = country
	md, err := MergeMetadata(nil, metadata, false)
	if err != nil {
		return nil, err
	}
	return &PaymentMethod{ID: id, AccountID: accountID, Type: typ, BillingDetails: billing, Metadata: md, Created: now}, nil
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// join nests a parameter under a prefix in Stripe's bracket syntax:
// join("payment_method_data", "billing_details[address][country]") is
// "payment_method_data[billing_details][address][country]".
func join(prefix, param string) string {
	if prefix == "" {
		return param
	}
	head, rest, _ := strings.Cut(param, "[")
	if rest != "" {
		rest = "[" + rest
	}
	return prefix + "[" + head + "]" + rest
}
