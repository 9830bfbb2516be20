package checkout

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
)

// Stripe's bounds on expires_at, and the default.
const (
	MinLifetime     = 30 * time.Minute
	MaxLifetime     = 24 * time.Hour
	DefaultLifetime = MaxLifetime
)

// Field limits (Stripe's).
const (
	maxURLLen               = 5000
	maxClientReferenceIDLen = 200
	maxEmailLen             = 512
)

// ItemInput is one requested line item, its price already resolved (an
// existing price, or an inline one made from price_data).
type ItemInput struct {
	ID       string // li_…, from the gateway
	Price    *Price
	Product  *Product
	Quantity int64
	// Param locates the item ("line_items[1]"); CurrencyParam is where its
	// currency came from ("line_items[1][price]" or "…[price_data][currency]").
	Param         string
	CurrencyParam string
}

// SessionInput is what a merchant sets when creating a session.
type SessionInput struct {
	Items []ItemInput
	// Currency, when given, must be the line items' currency.
	Currency money.Currency
	// BillingAddressCollection is "", "auto" or "required"; required asks
	// every customer for a billing country.
	BillingAddressCollection string
	PaymentMethodTypes       []methods.Type
	SuccessURL               string
	CancelURL                string
	CustomerEmail            string
	ClientReferenceID        string
	Locale                   string
	Metadata                 map[string]string
	ExpiresAt                time.Time // zero: DefaultLifetime from now
}

// NewSession validates a request and builds an open session. pageKey is
// the hosted page's secret; the gateway sets URL and PaymentIntentID.
func NewSession(id, accountID, pageKey string, in SessionInput, now time.Time) (*Session, error) {
	s := &Session{ID: id, AccountID: accountID, State: StateOpen, PageKey: pageKey, Created: now,
		SuccessURL: in.SuccessURL, CancelURL: in.CancelURL, CustomerEmail: strings.TrimSpace(in.CustomerEmail),
		ClientReferenceID: in.ClientReferenceID, Locale: in.Locale, BillingAddressCollection: in.BillingAddressCollection}
	if err := lineItems(s, in.Items); err != nil {
		return nil, err
	}
	if in.Currency != "" && in.Currency != s.Currency {
		return nil, invalid("currency", "currency is %s, but the line items are in %s.", in.Currency, s.Currency)
	}
	switch in.BillingAddressCollection {
	case "", "auto", "required":
	default:
		return nil, invalid("billing_address_collection", "billing_address_collection must be auto or required.")
	}
	types, err := offeredMethods(in.PaymentMethodTypes, s.Currency, s.AmountTotal, in.Items[0].CurrencyParam)
	if err != nil {
		return nil, err
	}
	s.PaymentMethodTypes = types
	if err := checkURL("success_url", in.SuccessURL, true); err != nil {
		return nil, err
	}
	if err := checkURL("cancel_url", in.CancelURL, false); err != nil {
		return nil, err
	}
	if s.ExpiresAt, err = expiresAt(in.ExpiresAt, now); err != nil {
		return nil, err
	}
	if err := checkEmail(s.CustomerEmail); err != nil {
		return nil, err
	}
	if len(in.ClientReferenceID) > maxClientReferenceIDLen {
		return nil, invalid("client_reference_id", "client_reference_id can be at most %d characters long.", maxClientReferenceIDLen)
	}
	if err := CheckLocale(in.Locale); err != nil {
		return nil, err
	}
	if s.Metadata, err = payments.MergeMetadata(nil, in.Metadata, false); err != nil {
		return nil, err
	}
	return s, nil
}

// lineItems checks the items (count, quantities, one currency, active
// prices) and computes the amounts.
func lineItems(s *Session, in []ItemInput) error {
	switch {
	case len(in) == 0:
		return payments.Missing("line_items")
	case len(in) > MaxLineItems:
		return invalid("line_items", "A Checkout Session can have at most %d line items; this one has %d.", MaxLineItems, len(in))
	}
	s.Currency = in[0].Price.Currency
	s.LineItems = make([]LineItem, len(in))
	params := make([]string, len(in))
	for i, it := range in {
		if it.Quantity < 1 {
			return &payments.Error{Code: "parameter_invalid_integer", Param: it.Param + "[quantity]",
				Message: "quantity must be a positive integer (at least 1)."}
		}
		if it.Price.Currency != s.Currency {
			return invalid(it.CurrencyParam, "All line items must be in one currency: line item 0 is in %s, line item %d in %s.",
				s.Currency, i, it.Price.Currency)
		}
		if !it.Price.Active && !it.Price.Inline {
			return invalid(it.Param+"[price]", "The price %s is inactive; a line item needs an active price.", it.Price.ID)
		}
		s.LineItems[i] = LineItem{ID: it.ID, Description: it.Product.Name, Quantity: it.Quantity,
			Currency: s.Currency, Price: *it.Price, Product: *it.Product}
		params[i] = it.Param
	}
	total, err := Total(s.LineItems, params)
	if err != nil {
		return err
	}
	s.AmountSubtotal, s.AmountTotal = total, total
	return nil
}

// offeredMethods decides payment_method_types: the requested ones, each of
// which must take the currency and the total; or, when none are requested,
// every method that does.
func offeredMethods(requested []methods.Type, c money.Currency, total int64, currencyParam string) ([]methods.Type, error) {
	if len(requested) > 0 {
		out := make([]methods.Type, 0, len(requested))
		for i, t := range requested {
			param := "payment_method_types[" + strconv.Itoa(i) + "]"
			m, ok := methods.Lookup(t)
			if !ok {
				return nil, invalid(param, "The payment method type %q is invalid. Kassa supports %s.", t, strings.Join(methods.Types(), ", "))
			}
			if !m.AcceptsCurrency(c) {
				return nil, &payments.Error{Code: "payment_method_currency_mismatch", Param: param,
					Message: fmt.Sprintf("The payment method %s does not accept %s, the currency of the line items; it accepts %s.", t, c, currencies(m))}
			}
			if v := m.CheckAmount(total, c); v != nil {
				return nil, &payments.Error{Code: v.Code, Param: "line_items",
					Message: fmt.Sprintf("The total of the line items is %s: %s", money.Display(total, c), v.Message)}
			}
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		return out, nil
	}
	var out []methods.Type
	var violation *methods.Violation
	takesCurrency := false
	for _, m := range methods.All() {
		if !m.AcceptsCurrency(c) {
			continue
		}
		takesCurrency = true
		if v := m.CheckAmount(total, c); v != nil {
			violation = v
			continue
		}
		out = append(out, m.Type)
	}
	switch {
	case !takesCurrency:
		return nil, &payments.Error{Code: "payment_method_currency_mismatch", Param: currencyParam,
			Message: fmt.Sprintf("No payment method accepts %s. Kassa's methods accept %s.", c, allCurrencies())}
	case len(out) == 0:
		return nil, &payments.Error{Code: violation.Code, Param: "line_items",
			Message: fmt.Sprintf("The total of the line items is %s: %s", money.Display(total, c), violation.Message)}
	}
	return out, nil
}

func currencies(m methods.Method) string {
	s := make([]string, len(m.Currencies))
	for i, c := range m.Currencies {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func allCurrencies() string {
	var parts []string
	for _, m := range methods.All() {
		parts = append(parts, currencies(m)+" ("+string(m.Type)+")")
	}
	return strings.Join(parts, "; ")
}

func checkURL(param, raw string, required bool) error {
	if raw == "" {
		if required {
			return payments.Missing(param)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > maxURLLen {
		return &payments.Error{Code: "url_invalid", Param: param,
			Message: fmt.Sprintf("Not a valid URL: %s must be an absolute http or https URL of at most %d characters.", param, maxURLLen)}
	}
	return nil
}

// expiresAt applies Stripe's window: 30 minutes to 24 hours after creation.
// The bounds are whole seconds from now, as the timestamp is.
func expiresAt(at, now time.Time) (time.Time, error) {
	if at.IsZero() {
		return now.Add(DefaultLifetime), nil
	}
	base := now.Truncate(time.Second)
	if at.Before(base.Add(MinLifetime)) || at.After(base.Add(MaxLifetime)) {
		return time.Time{}, invalid("expires_at",
			"expires_at must be between 30 minutes and 24 hours after the Checkout Session's creation (%d to %d).",
			base.Add(MinLifetime).Unix(), base.Add(MaxLifetime).Unix())
	}
	return at, nil
}

func checkEmail(email string) error {
	if email == "" {
		return nil
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(email, " \t\r\n<>,;") || strings.Contains(domain, "@") ||
		!strings.Contains(domain, ".") || len(email) > maxEmailLen {
		return invalid("customer_email", "Invalid email address: %s", email)
	}
	return nil
}
