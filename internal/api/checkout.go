package api

import (
	"context"
	"net/http"
	"time"

	"kassa/internal/api/params"
	"kassa/internal/checkout"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Expansions on a session (line_items is always embedded, as the source
// documents show it; expanding it is accepted and changes nothing).
var sessionExpansions = []string{"payment_intent", "line_items", "line_items.data.price.product"}

func (s *Server) createSession(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	in := gateway.CreateSessionInput{}
	in.LineItems = d.lineItems()
	if mode, ok := d.str("mode"); ok && mode != "payment" {
		d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "mode", "Kassa supports mode=payment only."))
	}
	if ui, ok := d.str("ui_mode"); ok && ui != "hosted" {
		d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "ui_mode", "Kassa supports ui_mode=hosted only."))
	}
	if c := d.currency("currency"); c != nil {
		in.Currency = *c
	}
	in.PaymentMethodTypes = d.methodTypes("payment_method_types")
	in.SuccessURL, _ = d.str("success_url")
	in.CancelURL, _ = d.str("cancel_url")
	in.CustomerEmail, _ = d.str("customer_email")
	in.ClientReferenceID, _ = d.str("client_reference_id")
	in.Locale, _ = d.str("locale")
	in.BillingAddressCollection, _ = d.str("billing_address_collection")
	in.Metadata, _ = d.metadata()
	if at, ok := d.int64("expires_at"); ok {
		in.ExpiresAt = time.Unix(at, 0).UTC()
	}
	in.IntentMetadata = d.stringMap("payment_intent_data", "metadata")
	in.IntentDescription, _ = d.str("payment_intent_data", "description")
	expand := d.expansions(sessionExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		cs, err := s.Gateway.CreateCheckoutSession(ctx, tx, r.caller(), in)
		if err != nil {
			return nil, err
		}
		return sessionView(ctx, tx, cs, expand)
	})
}

// lineItems reads line_items[i]: a price id or price_data, and a quantity.
func (d *decoder) lineItems() []gateway.SessionItem {
	n, _, err := d.p.Len("line_items")
	d.keep(err)
	items := make([]gateway.SessionItem, n)
	for i := range items {
		at := func(p ...string) []string { return append([]string{"line_items", itoa(i)}, p...) }
		d.required(at("quantity")...)
		items[i].Quantity, _ = d.int64(at("quantity")...)
		items[i].Price, _ = d.str(at("price")...)
		if d.p.Has(at("price_data")...) {
			items[i].PriceData = d.priceData(at("price_data"))
		}
	}
	return items
}

// priceData reads a line item's price_data. Besides Stripe's fields it
// takes nickname, lookup_key and billing_scheme (per_unit), which
// WooshPay's examples send there.
func (d *decoder) priceData(at []string) *gateway.InlinePrice {
	path := func(p ...string) []string { return append(append([]string{}, at...), p...) }
	in := &gateway.InlinePrice{}
	d.required(path("currency")...)
	d.required(path("unit_amount")...)
	if c := d.currency(path("currency")...); c != nil {
		in.Currency = *c
	}
	in.UnitAmount, _ = d.int64(path("unit_amount")...)
	in.Product, _ = d.str(path("product")...)
	in.Nickname, _ = d.str(path("nickname")...)
	in.LookupKey, _ = d.str(path("lookup_key")...)
	d.billingScheme(path("billing_scheme")...)
	if d.p.Has(path("product_data")...) {
		in.ProductData = d.productData(path("product_data"))
	}
	return in
}

// billingScheme accepts Stripe's per_unit, the only scheme Kassa prices use.
func (d *decoder) billingScheme(path ...string) {
	if v, ok := d.str(path...); ok && v != "per_unit" {
		d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", params.Path(path...),
			"Invalid billing_scheme "+v+": Kassa supports per_unit only."))
	}
}

func (d *decoder) productData(at []string) *checkout.ProductInput {
	path := func(p ...string) []string { return append(append([]string{}, at...), p...) }
	in := &checkout.ProductInput{}
	in.Name, _ = d.str(path("name")...)
	in.Description, _ = d.str(path("description")...)
	in.Metadata = d.stringMap(path("metadata")...)
	return in
}

func (s *Server) retrieveSession(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	expand := d.expansions(sessionExpansions...) // read here, so retrieve finds expand known
	if d.err != nil {
		return d.err
	}
	return s.retrieve(w, r, "checkout.session", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		cs, err := rd.CheckoutSession(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return sessionView(ctx, rd, cs, expand)
	})
}

func (s *Server) listSessions(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	q.PaymentIntent, _ = d.str("payment_intent")
	if status, ok := d.str("status"); ok {
		switch status {
		case checkout.StatusOpen, checkout.StatusComplete, checkout.StatusExpired:
			q.Status = status
		default:
			d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "status", "Invalid status: must be one of open, complete or expired."))
		}
	}
	expand := d.expansions("data.payment_intent", "data.line_items", "data.line_items.data.price.product")
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/checkout/sessions", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListCheckoutSessions(ctx, r.Account.ID, q)
		if err != nil {
			return nil, err
		}
		data := make([]map[string]any, len(items))
		for i, cs := range items {
			if data[i], err = sessionView(ctx, rd, cs, expand); err != nil {
				return nil, err
			}
		}
		return listEnvelope("/v1/checkout/sessions", data, more), nil
	})
}

// listLineItems pages through a session's line items in their order.
func (s *Server) listLineItems(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	expand := d.expansions("data.price.product")
	if err := s.read(r, d); err != nil {
		return err
	}
	var cs *checkout.Session
	err := s.Store.Read(r.Context(), func(rd store.Reader) error {
		var err error
		cs, err = rd.CheckoutSession(r.Context(), r.Account.ID, r.PathValue("id"))
		return err
	})
	if err == store.ErrNotFound {
		return payments.NotFound("checkout.session", r.PathValue("id"), "session")
	}
	if err != nil {
		return err
	}
	page, more, err := pageLineItems(cs.LineItems, q)
	if err != nil {
		return err
	}
	url := "/v1/checkout/sessions/" + cs.ID + "/line_items"
	data := make([]map[string]any, len(page))
	for i, li := range page {
		data[i] = renderLineItem(li, expand["price.product"])
	}
	writeJSON(w, http.StatusOK, listEnvelope(url, data, more))
	return nil
}

// pageLineItems applies limit, starting_after and ending_before to items
// kept in the session's order.
func pageLineItems(items []checkout.LineItem, q store.ListQuery) ([]checkout.LineItem, bool, error) {
	find := func(param, id string) (int, error) {
		for i, li := range items {
			if li.ID == id {
				return i, nil
			}
		}
		return 0, invalidRequest(http.StatusNotFound, "resource_missing", param, "No such line item: '"+id+"'")
	}
	from, to := 0, len(items)
	switch {
	case q.StartingAfter != "":
		i, err := find("starting_after", q.StartingAfter)
		if err != nil {
			return nil, false, err
		}
		from = i + 1
	case q.EndingBefore != "":
		i, err := find("ending_before", q.EndingBefore)
		if err != nil {
			return nil, false, err
		}
		to = i
		from = max(0, to-q.Limit)
		return items[from:to], from > 0, nil
	}
	to = min(to, from+q.Limit)
	return items[from:to], to < len(items), nil
}

func (s *Server) expireSession(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	expand := d.expansions(sessionExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		cs, err := s.Gateway.ExpireCheckoutSession(ctx, tx, r.caller(), r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return sessionView(ctx, tx, cs, expand)
	})
}

// sessionView renders a session with its expansions.
func sessionView(ctx context.Context, rd store.Reader, cs *checkout.Session, expand map[string]bool) (map[string]any, error) {
	view := renderSession(cs, expand["line_items.data.price.product"])
	if expand["payment_intent"] {
		pi, err := rd.Intent(ctx, cs.AccountID, cs.PaymentIntentID)
		if err != nil {
			return nil, err
		}
		if view["payment_intent"], err = intentView(ctx, rd, pi, nil); err != nil {
			return nil, err
		}
	}
	return view, nil
}

// methodOptions is payment_method_options of a session: an empty object
// per offered method, as for intents.
func methodOptions(types []methods.Type) map[string]any {
	out := map[string]any{}
	for _, t := range types {
		out[string(t)] = map[string]any{}
	}
	return out
}
