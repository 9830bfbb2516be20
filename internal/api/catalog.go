package api

import (
	"context"
	"net/http"

	"kassa/internal/checkout"
	"kassa/internal/gateway"
	"kassa/internal/store"
)

// Products and prices: the minimal catalogue that line items' price ids
// and lookup keys need.

func (s *Server) createProduct(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	d.required("name")
	var in checkout.ProductInput
	in.Name, _ = d.str("name")
	in.Description, _ = d.str("description")
	in.Active = d.optBool("active")
	in.Metadata, _ = d.metadata()
	if d.err != nil {
		return d.err
	}
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		p, err := s.Gateway.CreateProduct(ctx, tx, r.caller(), in)
		if err != nil {
			return nil, err
		}
		return renderProduct(p), nil
	})
}

func (s *Server) updateProduct(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	var u checkout.ProductUpdate
	u.Name = d.optStr("name")
	u.Description = d.optStr("description")
	u.Active = d.optBool("active")
	u.Metadata, u.ClearMetadata = d.metadata()
	if d.err != nil {
		return d.err
	}
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		p, err := s.Gateway.UpdateProduct(ctx, tx, r.caller(), r.PathValue("id"), u)
		if err != nil {
			return nil, err
		}
		return renderProduct(p), nil
	})
}

func (s *Server) retrieveProduct(w http.ResponseWriter, r *request) error {
	return s.retrieve(w, r, "product", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		p, err := rd.Product(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return renderProduct(p), nil
	})
}

func (s *Server) listProducts(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	q.Active = d.optBool("active")
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/products", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListProducts(ctx, r.Account.ID, q)
		return renderList("/v1/products", items, more, renderProduct), err
	})
}

func (s *Server) createPrice(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	d.required("currency")
	d.required("unit_amount")
	var in gateway.CreatePriceInput
	if c := d.currency("currency"); c != nil {
		in.Currency = *c
	}
	in.UnitAmount, _ = d.int64("unit_amount")
	in.Product, _ = d.str("product")
	if d.p.Has("product_data") {
		in.ProductData = d.productData([]string{"product_data"})
	}
	in.LookupKey, _ = d.str("lookup_key")
	in.Nickname, _ = d.str("nickname")
	in.Active = d.optBool("active")
	in.Metadata, _ = d.metadata()
	in.TransferLookupKey = d.bool("transfer_lookup_key")
	d.billingScheme("billing_scheme")
	if typ, ok := d.str("type"); ok && typ != "one_time" {
		d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "type", "Kassa supports one_time prices only."))
	}
	if d.err != nil {
		return d.err
	}
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		p, err := s.Gateway.CreatePrice(ctx, tx, r.caller(), in)
		if err != nil {
			return nil, err
		}
		return renderPrice(p), nil
	})
}

func (s *Server) updatePrice(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	var u checkout.PriceUpdate
	u.Active = d.optBool("active")
	u.LookupKey = d.optStr("lookup_key")
	u.Nickname = d.optStr("nickname")
	u.Metadata, u.ClearMetadata = d.metadata()
	transfer := d.bool("transfer_lookup_key")
	if d.err != nil {
		return d.err
	}
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		p, err := s.Gateway.UpdatePrice(ctx, tx, r.caller(), r.PathValue("id"), u, transfer)
		if err != nil {
			return nil, err
		}
		return renderPrice(p), nil
	})
}

func (s *Server) retrievePrice(w http.ResponseWriter, r *request) error {
	return s.retrieve(w, r, "price", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		p, err := rd.Price(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return renderPrice(p), nil
	})
}

func (s *Server) listPrices(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	q.Active = d.optBool("active")
	if c := d.currency("currency"); c != nil {
		q.Currency = string(*c)
	}
	q.Product, _ = d.str("product")
	q.LookupKeys, _ = d.strings("lookup_keys")
	recurring := false
	if typ, ok := d.str("type"); ok {
		switch typ {
		case "one_time":
		case "recurring":
			recurring = true // Kassa has none
		default:
			d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "type", "Invalid type: must be one_time or recurring."))
		}
	}
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/prices", func(ctx context.Context, rd store.Reader) (any, error) {
		if recurring {
			return listEnvelope("/v1/prices", []map[string]any{}, false), nil
		}
		items, more, err := rd.ListPrices(ctx, r.Account.ID, q)
		return renderList("/v1/prices", items, more, renderPrice), err
	})
}
