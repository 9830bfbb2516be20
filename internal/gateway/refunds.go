package gateway

import (
	"context"
	"errors"

	"kassa/internal/ids"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// RefundOutcome is the acquirer's answer to a pending refund. The sandbox's
// timer and the test helpers both end refunds through finishRefund.
type RefundOutcome string

const (
	RefundSucceed RefundOutcome = "succeed"
	RefundFail    RefundOutcome = "fail"
)

// CreateRefundInput is a refund request: the payment by intent or charge.
type CreateRefundInput struct {
	PaymentIntent string
	Charge        string
	payments.RefundInput
}

// CreateRefund refunds a payment. Intent and charge are loaded in the
// write transaction, so concurrent refunds of one payment see each other
// (SQLite serializes writers; PostgreSQL locks the rows read) and together
// never exceed what was captured.
func (g *Gateway) CreateRefund(ctx context.Context, tx store.Tx, c *Caller, in CreateRefundInput) (*payments.Refund, error) {
	pi, ch, err := g.payment(ctx, tx, c.AccountID, in.PaymentIntent, in.Charge)
	if err != nil {
		return nil, err
	}
	var method methods.Method
	if ch != nil {
		method, _ = methods.Lookup(ch.Method)
	}
	now := g.Clock.Now()
	books := g.books()
	r, events, err := payments.NewRefund(ids.New(ids.Refund), pi, ch, method, in.RefundInput, books, now)
	if err != nil {
		return nil, err
	}
	if r.SettleAt, err = g.Acquirer.StartRefund(ctx, r, now); err != nil {
		return nil, err
	}
	if err := tx.InsertRefund(ctx, r); err != nil {
		return nil, err
	}
	if err := tx.UpdateCharge(ctx, ch); err != nil {
		return nil, err
	}
	if err := g.book(ctx, tx, books); err != nil {
		return nil, err
	}
	return r, g.record(ctx, tx, c.AccountID, c, events)
}

// payment loads the intent and charge a refund or dispute names: by charge
// (its intent follows), or by intent (its latest charge, nil if none).
func (g *Gateway) payment(ctx context.Context, tx store.Reader, accountID, piID, chargeID string) (*payments.PaymentIntent, *payments.Charge, error) {
	switch {
	case chargeID != "":
		ch, err := tx.Charge(ctx, accountID, chargeID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, payments.NotFound("charge", chargeID, "charge")
		}
		if err != nil {
			return nil, nil, err
		}
		if piID != "" && piID != ch.PaymentIntentID {
			return nil, nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: "charge",
				Message: "Charge " + chargeID + " does not belong to PaymentIntent " + piID + "."}
		}
		pi, err := intent(ctx, tx, accountID, ch.PaymentIntentID, "payment_intent")
		return pi, ch, err
	case piID != "":
		pi, err := intent(ctx, tx, accountID, piID, "payment_intent")
		if err != nil {
			return nil, nil, err
		}
		ch, err := g.latestCharge(ctx, tx, pi)
		return pi, ch, err
	}
	return nil, nil, &payments.Error{Code: payments.CodeParameterMissing, Param: "payment_intent",
		Message: "One of payment_intent or charge is required."}
}

func refund(ctx context.Context, tx store.Reader, accountID, id string) (*payments.Refund, error) {
	r, err := tx.Refund(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payments.NotFound("refund", id, "refund")
	}
	return r, err
}

// UpdateRefund changes a refund's metadata.
func (g *Gateway) UpdateRefund(ctx context.Context, tx store.Tx, c *Caller, id string, metadata map[string]string, clear bool) (*payments.Refund, error) {
	r, err := refund(ctx, tx, c.AccountID, id)
	if err != nil {
		return nil, err
	}
	events, err := payments.UpdateRefund(r, metadata, clear)
	if err != nil {
		return nil, err
	}
	if err := tx.UpdateRefund(ctx, r); err != nil {
		return nil, err
	}
	return r, g.record(ctx, tx, c.AccountID, c, events)
}

// CancelRefund withdraws a pending refund.
func (g *Gateway) CancelRefund(ctx context.Context, tx store.Tx, c *Caller, id string) (*payments.Refund, error) {
	return g.changeRefund(ctx, tx, c, c.AccountID, id, func(r *payments.Refund, ch *payments.Charge, books *payments.Books) ([]payments.Event, error) {
		return payments.CancelRefund(r, ch, books, g.Clock.Now())
	})
}

// FinishRefund ends a pending refund for a test helper: what the sandbox's
// timer does on success, or a failure.
func (g *Gateway) FinishRefund(ctx context.Context, tx store.Tx, c *Caller, id string, outcome RefundOutcome) (*payments.Refund, error) {
	return g.finishRefund(ctx, tx, c, c.AccountID, id, outcome)
}

func (g *Gateway) finishRefund(ctx context.Context, tx store.Tx, c *Caller, accountID, id string, outcome RefundOutcome) (*payments.Refund, error) {
	return g.changeRefund(ctx, tx, c, accountID, id, func(r *payments.Refund, ch *payments.Charge, books *payments.Books) ([]payments.Event, error) {
		if outcome == RefundSucceed {
			return payments.SucceedRefund(r)
		}
		return payments.FailRefund(r, ch, "", books, g.Clock.Now())
	})
}

// changeRefund applies a change to a refund and its charge, and saves both
// with the ledger entries and events it writes.
func (g *Gateway) changeRefund(ctx context.Context, tx store.Tx, c *Caller, accountID, id string,
	change func(*payments.Refund, *payments.Charge, *payments.Books) ([]payments.Event, error)) (*payments.Refund, error) {
	r, err := refund(ctx, tx, accountID, id)
	if err != nil {
		return nil, err
	}
	was := r.Status
	err = g.changeOnCharge(ctx, tx, c, accountID, r.ChargeID,
		func(ch *payments.Charge, books *payments.Books) ([]payments.Event, error) {
			return change(r, ch, books)
		},
		func() error {
			if err := tx.UpdateRefund(ctx, r); err != nil {
				return err
			}
			if g.RefundSettled != nil && was == payments.RefundPending && r.Status != payments.RefundPending {
				return g.RefundSettled(ctx, tx, r)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// changeOnCharge applies a change to a charge's refund or dispute and saves
// the object (save), the charge, the ledger entries and the events together.
func (g *Gateway) changeOnCharge(ctx context.Context, tx store.Tx, c *Caller, accountID, chargeID string,
	change func(*payments.Charge, *payments.Books) ([]payments.Event, error), save func() error) error {
	ch, err := tx.Charge(ctx, accountID, chargeID)
	if err != nil {
		return err
	}
	books := g.books()
	events, err := change(ch, books)
	if err != nil {
		return err
	}
	if err := save(); err != nil {
		return err
	}
	if err := tx.UpdateCharge(ctx, ch); err != nil {
		return err
	}
	if err := g.book(ctx, tx, books); err != nil {
		return err
	}
	return g.record(ctx, tx, accountID, c, events)
}

// SettleDueRefunds completes the pending refunds the acquirer pays out by
// now, each in its own transaction, and returns how many it completed. It
// works through them in batches until none is due, so a burst of refunds
// is not drained at one batch per tick. Their times live in the refunds'
// rows, so they survive restarts.
func (g *Gateway) SettleDueRefunds(ctx context.Context) (int, error) {
	read := readDue(ctx, g.Store, func(r store.Reader, limit int) ([]store.ObjectRef, error) {
		return r.DueRefunds(ctx, g.Clock.Now(), limit)
	})
	return drainDue(ctx, read, func(ref store.ObjectRef) (did bool, err error) {
		err = g.Store.Write(ctx, func(tx store.Tx) error {
			did = false
			r, err := tx.Refund(ctx, ref.AccountID, ref.ID)
			if err != nil || r.Status != payments.RefundPending || r.SettleAt.IsZero() || g.Clock.Now().Before(r.SettleAt) {
				return err // decided or moved meanwhile
			}
			did = true
			_, err = g.finishRefund(ctx, tx, nil, ref.AccountID, ref.ID, RefundSucceed)
			return err
		})
		return did, err
	})
}
