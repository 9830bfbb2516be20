package gateway

import (
	"context"
	"errors"

	"kassa/internal/checkout"
	"kassa/internal/ids"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Events of the product catalogue (Stripe's).
const (
	EventProductCreated = "product.created"
	EventProductUpdated = "product.updated"
	EventPriceCreated   = "price.created"
	EventPriceUpdated   = "price.updated"
)

// CreateProduct creates a product.
func (g *Gateway) CreateProduct(ctx context.Context, tx store.Tx, c *Caller, in checkout.ProductInput) (*checkout.Product, error) {
	p, err := checkout.NewProduct(ids.New(ids.Product), c.AccountID, in, "", g.Clock.Now())
	if err != nil {
		return nil, err
	}
	if err := tx.InsertProduct(ctx, p); err != nil {
		return nil, err
	}
	return p, g.record(ctx, tx, c.AccountID, c, []payments.Event{{Type: EventProductCreated, Object: p}})
}

// UpdateProduct changes a product's name, description, active flag or metadata.
func (g *Gateway) UpdateProduct(ctx context.Context, tx store.Tx, c *Caller, id string, u checkout.ProductUpdate) (*checkout.Product, error) {
	p, err := product(ctx, tx, c.AccountID, id, "id")
	if err != nil {
		return nil, err
	}
	if err := checkout.UpdateProduct(p, u, g.Clock.Now()); err != nil {
		return nil, err
	}
	if err := tx.UpdateProduct(ctx, p); err != nil {
		return nil, err
	}
	return p, g.record(ctx, tx, c.AccountID, c, []payments.Event{{Type: EventProductUpdated, Object: p}})
}

// CreatePriceInput is a price to create, of an existing product or of one
// made from ProductData.
type CreatePriceInput struct {
	checkout.PriceInput
	Product     string
	ProductData *checkout.ProductInput
	// TransferLookupKey moves the lookup key from the price holding it.
	TransferLookupKey bool
}

// CreatePrice creates a price.
func (g *Gateway) CreatePrice(ctx context.Context, tx store.Tx, c *Caller, in CreatePriceInput) (*checkout.Price, error) {
	now := g.Clock.Now()
	var events []payments.Event
	var prod *checkout.Product
	var err error
	switch {
	case in.Product != "" && in.ProductData != nil:
		return nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: "product_data",
			Message: "You may only specify one of product and product_data."}
	case in.Product != "":
		if prod, err = product(ctx, tx, c.AccountID, in.Product, "product"); err != nil {
			return nil, err
		}
	case in.ProductData != nil:
		if prod, err = checkout.NewProduct(ids.New(ids.Product), c.AccountID, *in.ProductData, "product_data", now); err != nil {
			return nil, err
		}
		if err := tx.InsertProduct(ctx, prod); err != nil {
			return nil, err
		}
		events = append(events, payments.Event{Type: EventProductCreated, Object: prod})
	default:
		return nil, payments.Missing("product")
	}
	p, err := checkout.NewPrice(ids.New(ids.Price), prod, in.PriceInput, "", false, now)
	if err != nil {
		return nil, err
	}
	if err := g.freeLookupKey(ctx, tx, c, p, in.TransferLookupKey); err != nil {
		return nil, err
	}
	if err := lookupKeyConflict(tx.InsertPrice(ctx, p)); err != nil {
		return nil, err
	}
	events = append(events, payments.Event{Type: EventPriceCreated, Object: p})
	return p, g.record(ctx, tx, c.AccountID, c, events)
}

// UpdatePrice changes a price's active flag, lookup key, nickname or metadata.
func (g *Gateway) UpdatePrice(ctx context.Context, tx store.Tx, c *Caller, id string, u checkout.PriceUpdate, transferLookupKey bool) (*checkout.Price, error) {
	p, err := price(ctx, tx, c.AccountID, id, "id")
	if err != nil {
		return nil, err
	}
	if err := checkout.UpdatePrice(p, u); err != nil {
		return nil, err
	}
	if err := g.freeLookupKey(ctx, tx, c, p, transferLookupKey); err != nil {
		return nil, err
	}
	if err := lookupKeyConflict(tx.UpdatePrice(ctx, p)); err != nil {
		return nil, err
	}
	return p, g.record(ctx, tx, c.AccountID, c, []payments.Event{{Type: EventPriceUpdated, Object: p}})
}

// freeLookupKey makes p's lookup key available to it: with transfer the
// price holding it gives it up (Stripe's transfer_lookup_key), otherwise
// the request is refused.
func (g *Gateway) freeLookupKey(ctx context.Context, tx store.Tx, c *Caller, p *checkout.Price, transfer bool) error {
	key := p.UniqueLookupKey()
	if key == "" {
		return nil
	}
	holders, _, err := tx.ListPrices(ctx, p.AccountID, store.ListQuery{Limit: 1, LookupKeys: []string{key}})
	if err != nil || len(holders) == 0 || holders[0].ID == p.ID {
		return err
	}
	if !transfer {
		return &payments.Error{Code: payments.CodeParameterInvalid, Param: "lookup_key", Message: "A price (" + holders[0].ID +
			") already uses the lookup key " + key + ". Pass transfer_lookup_key=true to move it to this price."}
	}
	holder := holders[0]
	holder.LookupKey = ""
	if err := tx.UpdatePrice(ctx, holder); err != nil {
		return err
	}
	return g.record(ctx, tx, holder.AccountID, c, []payments.Event{{Type: EventPriceUpdated, Object: holder}})
}

// lookupKeyConflict explains a unique-index refusal (a concurrent request
// took the key between the check and the write).
func lookupKeyConflict(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return &payments.Error{Code: payments.CodeParameterInvalid, Param: "lookup_key",
			Message: "Another price already uses this lookup key. Pass transfer_lookup_key=true to move it to this price."}
	}
	return err
}

func product(ctx context.Context, tx store.Reader, accountID, id, param string) (*checkout.Product, error) {
	p, err := tx.Product(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payments.NotFound("product", id, param)
	}
	return p, err
}

func price(ctx context.Context, tx store.Reader, accountID, id, param string) (*checkout.Price, error) {
	p, err := tx.Price(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payments.NotFound("price", id, param)
	}
	return p, err
}
