package gateway

import (
	"context"
	"errors"

	"kassa/internal/ids"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// OpenDispute opens a chargeback on a payment, as the acquirer reports it
// (the sandbox: a test helper).
func (g *Gateway) OpenDispute(ctx context.Context, tx store.Tx, c *Caller, piID string, in payments.DisputeInput) (*payments.Dispute, error) {
	pi, ch, err := g.payment(ctx, tx, c.AccountID, piID, "")
	if err != nil {
		return nil, err
	}
	var method methods.Method
	if ch != nil {
		method, _ = methods.Lookup(ch.Method)
	}
	books := g.books()
	d, events, err := payments.OpenDispute(ids.New(ids.Dispute), pi, ch, method, in, books, g.Clock.Now())
	if err != nil {
		return nil, err
	}
	if err := tx.InsertDispute(ctx, d); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, &payments.Error{Code: payments.CodeChargeDisputed, Message: "Charge " + ch.ID + " has already been disputed."}
		}
		return nil, err
	}
	if err := tx.UpdateCharge(ctx, ch); err != nil {
		return nil, err
	}
	if err := g.book(ctx, tx, books); err != nil {
		return nil, err
	}
	return d, g.record(ctx, tx, c.AccountID, c, events)
}

// UpdateDispute stages or submits evidence, or changes metadata.
func (g *Gateway) UpdateDispute(ctx context.Context, tx store.Tx, c *Caller, id string, u payments.DisputeUpdate) (*payments.Dispute, error) {
	return g.changeDispute(ctx, tx, c, id, func(d *payments.Dispute, _ *payments.Charge, _ *payments.Books) ([]payments.Event, error) {
		return payments.UpdateDispute(d, u, g.Clock.Now())
	})
}

// CloseDispute accepts a dispute as lost.
func (g *Gateway) CloseDispute(ctx context.Context, tx store.Tx, c *Caller, id string) (*payments.Dispute, error) {
	return g.changeDispute(ctx, tx, c, id, func(d *payments.Dispute, _ *payments.Charge, _ *payments.Books) ([]payments.Event, error) {
		return payments.CloseDispute(d)
	})
}

// DecideDispute records the bank's decision (test helpers win and lose).
func (g *Gateway) DecideDispute(ctx context.Context, tx store.Tx, c *Caller, id string, won bool) (*payments.Dispute, error) {
	return g.changeDispute(ctx, tx, c, id, func(d *payments.Dispute, ch *payments.Charge, books *payments.Books) ([]payments.Event, error) {
		return payments.DecideDispute(d, ch, won, books, g.Clock.Now())
	})
}

func (g *Gateway) changeDispute(ctx context.Context, tx store.Tx, c *Caller, id string,
	change func(*payments.Dispute, *payments.Charge, *payments.Books) ([]payments.Event, error)) (*payments.Dispute, error) {
	d, err := tx.Dispute(ctx, c.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payments.NotFound("dispute", id, "dispute")
	}
	if err != nil {
		return nil, err
	}
	err = g.changeOnCharge(ctx, tx, c, c.AccountID, d.ChargeID,
		func(ch *payments.Charge, books *payments.Books) ([]payments.Event, error) {
			return change(d, ch, books)
		},
		func() error { return tx.UpdateDispute(ctx, d) })
	if err != nil {
		return nil, err
	}
	return d, nil
}
