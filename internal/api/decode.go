package api

import (
	"net/http"
	"strings"
	"time"

	"kassa/internal/api/params"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// decoder reads typed parameters and keeps the first error, so handlers
// read every field in a row and check once.
type decoder struct {
	p   *params.Params
	err error
}

func (d *decoder) keep(err error) {
	if d.err == nil && err != nil {
		d.err = err
	}
}

func (d *decoder) str(path ...string) (string, bool) {
	v, ok, err := d.p.String(path...)
	d.keep(err)
	return v, ok
}

// optStr is a string parameter as a pointer: nil when absent.
func (d *decoder) optStr(path ...string) *string {
	if v, ok := d.str(path...); ok {
		return &v
	}
	return nil
}

func (d *decoder) int64(path ...string) (int64, bool) {
	v, ok, err := d.p.Int64(path...)
	d.keep(err)
	return v, ok
}

func (d *decoder) optInt64(path ...string) *int64 {
	if v, ok := d.int64(path...); ok {
		return &v
	}
	return nil
}

func (d *decoder) bool(path ...string) bool {
	v, _, err := d.p.Bool(path...)
	d.keep(err)
	return v
}

func (d *decoder) strings(path ...string) ([]string, bool) {
	v, ok, err := d.p.StringSlice(path...)
	d.keep(err)
	return v, ok
}

// metadata reads Stripe's metadata: clear is metadata="" (unset all).
func (d *decoder) metadata() (m map[string]string, clear bool) {
	if s, ok, err := d.p.String("metadata"); err == nil && ok {
		if s != "" {
			d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid_object", "metadata", "Invalid metadata: must be an object, or an empty string to unset it."))
		}
		return nil, true
	}
	m, _, err := d.p.StringMap("metadata")
	d.keep(err)
	return m, false
}

func (d *decoder) required(path ...string) {
	if !d.p.Has(path...) {
		d.keep(payments.Missing(params.Path(path...)))
	}
}

func (d *decoder) currency(path ...string) *money.Currency {
	raw, ok := d.str(path...)
	if !ok {
		return nil
	}
	c, err := money.ParseCurrency(raw)
	if err != nil {
		d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", params.Path(path...), "Invalid currency: "+raw+". Use a three-letter ISO 4217 code such as eur."))
		return nil
	}
	return &c
}

// stringMap reads an object of strings below the top level (e.g.
// payment_intent_data[metadata]); top-level metadata goes through metadata.
func (d *decoder) stringMap(path ...string) map[string]string {
	m, _, err := d.p.StringMap(path...)
	d.keep(err)
	return m
}

// optBool is a boolean parameter as a pointer: nil when absent.
func (d *decoder) optBool(path ...string) *bool {
	v, ok, err := d.p.Bool(path...)
	d.keep(err)
	if !ok || err != nil {
		return nil
	}
	return &v
}

func (d *decoder) methodTypes(name string) []methods.Type {
	raw, ok := d.strings(name)
	if !ok {
		return nil
	}
	out := make([]methods.Type, len(raw))
	for i, t := range raw {
		out[i] = methods.Type(t)
	}
	return out
}

// billing reads billing_details under prefix. Besides Stripe's fields it
// takes firstName/lastName, which the WooshPay examples put there.
func (d *decoder) billing(prefix ...string) payments.BillingDetails {
	at := func(p ...string) []string { return append(append([]string{}, prefix...), p...) }
	var b payments.BillingDetails
	b.Name, _ = d.str(at("name")...)
	b.Email, _ = d.str(at("email")...)
	b.Phone, _ = d.str(at("phone")...)
	addr := at("address")
	b.Address.City, _ = d.str(append(addr, "city")...)
	b.Address.Country, _ = d.str(append(addr, "country")...)
	b.Address.Line1, _ = d.str(append(addr, "line1")...)
	b.Address.Line2, _ = d.str(append(addr, "line2")...)
	b.Address.PostalCode, _ = d.str(append(addr, "postal_code")...)
	b.Address.State, _ = d.str(append(addr, "state")...)
	if b.Name == "" {
		var parts []string
		for _, where := range [][]string{at(), addr} {
			for _, key := range []string{"firstName", "lastName"} {
				if v, _ := d.str(append(where, key)...); v != "" {
					parts = append(parts, v)
				}
			}
		}
		b.Name = strings.Join(parts, " ")
	}
	return b
}

// paymentMethodData reads a payment method definition under prefix
// ("payment_method_data"), or the top level of /v1/payment_methods ("").
func (d *decoder) paymentMethodData(prefix string) *gateway.PaymentMethodInput {
	at := func(p ...string) []string {
		if prefix == "" {
			return p
		}
		return append([]string{prefix}, p...)
	}
	typ, ok := d.str(at("type")...)
	if !ok {
		d.keep(payments.Missing(params.Path(at("type")...)))
		return nil
	}
	in := &gateway.PaymentMethodInput{Type: methods.Type(typ), ParamPrefix: prefix, BillingDetails: d.billing(at("billing_details")...)}
	if prefix != "" {
		var err error
		in.Metadata, _, err = d.p.StringMap(at("metadata")...)
		d.keep(err)
	} else {
		in.Metadata, _ = d.metadata()
	}
	// Method-specific hashes carry nothing Kassa needs yet.
	d.p.Ignore(at(typ)...)
	return in
}

// methodChoice reads payment_method (an id) or payment_method_data.
func (d *decoder) methodChoice() gateway.MethodChoice {
	var c gateway.MethodChoice
	c.ID, _ = d.str("payment_method")
	if d.p.Has("payment_method_data") {
		if c.ID != "" {
			d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "payment_method_data",
				"You cannot pass both payment_method and payment_method_data."))
		}
		c.Data = d.paymentMethodData("payment_method_data")
	}
	return c
}

// listQuery reads Stripe's pagination parameters.
func (d *decoder) listQuery() store.ListQuery {
	q := store.ListQuery{Limit: 10}
	if limit, ok := d.int64("limit"); ok {
		if limit < 1 || limit > 100 {
			d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid_integer", "limit", "Invalid limit: must be between 1 and 100"))
		}
		q.Limit = int(limit)
	}
	q.StartingAfter, _ = d.str("starting_after")
	q.EndingBefore, _ = d.str("ending_before")
	if q.StartingAfter != "" && q.EndingBefore != "" {
		d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "ending_before", "You may only specify one of starting_after and ending_before."))
	}
	if d.p.Has("created") {
		if exact, _, err := d.p.Int64("created"); err == nil {
			t := time.Unix(exact, 0)
			q.Created.GTE, q.Created.LT = t, t.Add(time.Second)
		} else {
			seconds := func(op string) time.Time {
				if v, ok := d.int64("created", op); ok {
					return time.Unix(v, 0)
				}
				return time.Time{}
			}
			q.Created.GT, q.Created.GTE, q.Created.LT, q.Created.LTE = seconds("gt"), seconds("gte"), seconds("lt"), seconds("lte")
			// created[lte]=T includes all of second T.
			if !q.Created.LTE.IsZero() {
				q.Created.LT, q.Created.LTE = q.Created.LTE.Add(time.Second), time.Time{}
			}
			if !q.Created.GT.IsZero() {
				q.Created.GTE, q.Created.GT = q.Created.GT.Add(time.Second), time.Time{}
			}
		}
	}
	return q
}

// expansions reads expand[] and checks each against what may be expanded.
func (d *decoder) expansions(allowed ...string) map[string]bool {
	raw, _ := d.strings("expand")
	out := map[string]bool{}
	for i, e := range raw {
		ok := false
		for _, a := range allowed {
			ok = ok || e == a
		}
		if !ok {
			d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", params.Path("expand", itoa(i)),
				"This property cannot be expanded ("+e+"). Kassa expands: "+strings.Join(allowed, ", ")+"."))
		}
		out[strings.TrimPrefix(e, "data.")] = true
	}
	return out
}
