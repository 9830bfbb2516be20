package checkout

import (
	"fmt"
	"strings"
	"time"

	"kassa/internal/money"
	"kassa/internal/payments"
)

// Product is what a merchant sells; prices refer to it.
type Product struct {
	ID          string            `json:"id"`
	AccountID   string            `json:"account_id"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Active      bool              `json:"active"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
}

// Price is a one-time unit amount of a product in one currency.
type Price struct {
	ID         string            `json:"id"`
	AccountID  string            `json:"account_id"`
	ProductID  string            `json:"product"`
	Active     bool              `json:"active"`
	Currency   money.Currency    `json:"currency"`
	UnitAmount int64             `json:"unit_amount"`
	LookupKey  string            `json:"lookup_key,omitempty"`
	Nickname   string            `json:"nickname,omitempty"`
	Metadata   map[string]string `json:"metadata,omitempty"`
	// Inline marks a price made from a line item's price_data. It is
	// inactive, as at Stripe, and its lookup_key (which WooshPay's examples
	// send inside price_data) claims nothing: only prices made through
	// /v1/prices hold a lookup key uniquely.
	Inline  bool      `json:"inline,omitempty"`
	Created time.Time `json:"created"`
}

// Limits Stripe documents for these fields.
const (
	maxLookupKeyLen = 200
	maxNameLen      = 250
)

// ProductInput creates a product; Active nil means active.
type ProductInput struct {
	Name        string
	Description string
	Active      *bool
	Metadata    map[string]string
}

// NewProduct validates and builds a product. prefix locates the
// parameters in the request ("" for /v1/products,
// "line_items[0][price_data][product_data]" inline), for errors.
func NewProduct(id, accountID string, in ProductInput, prefix string, now time.Time) (*Product, error) {
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		return nil, payments.Missing(nest(prefix, "name"))
	case len(name) > maxNameLen:
		return nil, invalid(nest(prefix, "name"), "A product name can be at most %d characters long.", maxNameLen)
	}
	md, err := payments.MergeMetadata(nil, in.Metadata, false)
	if err != nil {
		return nil, renest(err, prefix)
	}
	return &Product{ID: id, AccountID: accountID, Name: name, Description: in.Description,
		Active: in.Active == nil || *in.Active, Metadata: md, Created: now, Updated: now}, nil
}

// ProductUpdate changes a product; nil fields stay as they are.
type ProductUpdate struct {
	Name          *string
	Description   *string
	Active        *bool
	Metadata      map[string]string
	ClearMetadata bool
}

// UpdateProduct applies an update.
func UpdateProduct(p *Product, u ProductUpdate, now time.Time) error {
	next := *p
	if u.Name != nil {
		next.Name = strings.TrimSpace(*u.Name)
		if next.Name == "" || len(next.Name) > maxNameLen {
			return invalid("name", "A product name must be 1 to %d characters long.", maxNameLen)
		}
	}
	if u.Description != nil {
		next.Description = *u.Description
	}
	if u.Active != nil {
		next.Active = *u.Active
	}
	md, err := payments.MergeMetadata(p.Metadata, u.Metadata, u.ClearMetadata)
	if err != nil {
		return err
	}
	next.Metadata = md
	next.Updated = now
	*p = next
	return nil
}

// PriceInput creates a price; Active nil means active (inline prices are
// always inactive).
type PriceInput struct {
	Currency   money.Currency
	UnitAmount int64
	LookupKey  string
	Nickname   string
	Active     *bool
	Metadata   map[string]string
}

// NewPrice validates and builds a price of product. prefix locates the
// parameters ("" or "line_items[0][price_data]"); inline prices come from
// price_data.
func NewPrice(id string, product *Product, in PriceInput, prefix string, inline bool, now time.Time) (*Price, error) {
	if in.UnitAmount < 1 {
		return nil, &payments.Error{Code: payments.CodeAmountTooSmall, Param: nest(prefix, "unit_amount"),
			Message: "unit_amount must be a positive integer in the currency's minor unit (e.g. 2000 for 20.00 EUR)."}
	}
	if len(in.LookupKey) > maxLookupKeyLen {
		return nil, invalid(nest(prefix, "lookup_key"), "A lookup_key can be at most %d characters long.", maxLookupKeyLen)
	}
	md, err := payments.MergeMetadata(nil, in.Metadata, false)
	if err != nil {
		return nil, renest(err, prefix)
	}
	return &Price{ID: id, AccountID: product.AccountID, ProductID: product.ID,
		Active: !inline && (in.Active == nil || *in.Active), Currency: in.Currency, UnitAmount: in.UnitAmount,
		LookupKey: in.LookupKey, Nickname: in.Nickname, Metadata: md, Inline: inline, Created: now}, nil
}

// PriceUpdate changes a price; amount and currency never change (Stripe:
// make a new price instead).
type PriceUpdate struct {
	Active        *bool
	LookupKey     *string
	Nickname      *string
	Metadata      map[string]string
	ClearMetadata bool
}

// UpdatePrice applies an update.
func UpdatePrice(p *Price, u PriceUpdate) error {
	next := *p
	if u.Active != nil {
		next.Active = *u.Active
	}
	if u.LookupKey != nil {
		if len(*u.LookupKey) > maxLookupKeyLen {
			return invalid("lookup_key", "A lookup_key can be at most %d characters long.", maxLookupKeyLen)
		}
		next.LookupKey = *u.LookupKey
	}
	if u.Nickname != nil {
		next.Nickname = *u.Nickname
	}
	md, err := payments.MergeMetadata(p.Metadata, u.Metadata, u.ClearMetadata)
	if err != nil {
		return err
	}
	next.Metadata = md
	*p = next
	return nil
}

// UniqueLookupKey is the key a price holds uniquely within its account,
// "" if none.
func (p *Price) UniqueLookupKey() string {
	if p.Inline {
		return ""
	}
	return p.LookupKey
}

func invalid(param, format string, args ...any) *payments.Error {
	return &payments.Error{Code: payments.CodeParameterInvalid, Param: param, Message: fmt.Sprintf(format, args...)}
}

// nest puts a parameter under a prefix in Stripe's bracket syntax:
// nest("line_items[0][price_data]", "unit_amount") is
// "line_items[0][price_data][unit_amount]".
func nest(prefix, param string) string {
	if prefix == "" {
		return param
	}
	head, rest, _ := strings.Cut(param, "[")
	if rest != "" {
		rest = "[" + rest
	}
	return prefix + "[" + head + "]" + rest
}

// renest moves a domain error's param (e.g. metadata[k]) under prefix.
func renest(err error, prefix string) error {
	if e, ok := err.(*payments.Error); ok && prefix != "" {
		c := *e
		c.Param = nest(prefix, e.Param)
		return &c
	}
	return err
}
