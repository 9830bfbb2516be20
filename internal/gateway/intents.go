package gateway

import (
	"context"

	"kassa/internal/ids"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// PaymentMethodInput describes a payment method to create, standalone or
// inline as payment_method_data.
type PaymentMethodInput struct {
	Type           methods.Type
	BillingDetails payments.BillingDetails
	Metadata       map[string]string
	// ParamPrefix locates these parameters in the request, for errors.
	ParamPrefix string
}

// MethodChoice is a payment method by id or inline data (at most one).
type MethodChoice struct {
	ID   string
	Data *PaymentMethodInput
}

// CreateIntentInput is a create request.
type CreateIntentInput struct {
	payments.IntentInput
	Method    MethodChoice
	Confirm   bool
	ReturnURL string
}

// CreatePaymentMethod creates a standalone payment method.
func (g *Gateway) CreatePaymentMethod(ctx context.Context, tx store.Tx, c *Caller, in PaymentMethodInput) (*payments.PaymentMethod, error) {
	pm, err := g.newPaymentMethod(c, in)
	if err != nil {
		return nil, err
	}
	return pm, tx.InsertPaymentMethod(ctx, pm)
}

func (g *Gateway) newPaymentMethod(c *Caller, in PaymentMethodInput) (*payments.PaymentMethod, error) {
	return payments.NewPaymentMethod(ids.New(ids.PaymentMethod), c.AccountID, in.Type, in.BillingDetails, in.Metadata, in.ParamPrefix, g.Clock.Now())
}

// resolveMethod loads or creates the chosen payment method; nil if none.
func (g *Gateway) resolveMethod(ctx context.Context, tx store.Tx, c *Caller, choice MethodChoice) (*payments.PaymentMethod, error) {
	switch {
	case choice.Data != nil:
		return g.CreatePaymentMethod(ctx, tx, c, *choice.Data)
	case choice.ID != "":
		return paymentMethod(ctx, tx, c.AccountID, choice.ID, "payment_method")
	}
	return nil, nil
}

// NewIntent is what CreateIntent stores, built and not stored yet: the
// intent, the payment method created for it from payment_method_data (or
// nil), and their events.
type NewIntent struct {
	Intent        *payments.PaymentIntent
	PaymentMethod *payments.PaymentMethod
	events        []payments.Event
}

// BuildIntent builds a new intent that names no stored payment method
// (payment_method_data, or none) without a transaction: nothing in it
// depends on what is stored. The API builds one before it waits for
// SQLite's single writer, which then only stores it (StoreIntent), so the
// building does not add to the writer's time. ok is false for an input
// that names a stored payment method: CreateIntent reads it.
func (g *Gateway) BuildIntent(ctx context.Context, c *Caller, in CreateIntentInput) (n *NewIntent, ok bool, err error) {
	if in.Method.Data == nil && in.Method.ID != "" { // resolveMethod's order: data first
		return nil, false, nil
	}
	var pm *payments.PaymentMethod
	if in.Method.Data != nil {
		if pm, err = g.newPaymentMethod(c, *in.Method.Data); err != nil {
			return nil, true, err
		}
	}
	n, err = g.buildIntent(ctx, c, in, pm)
	if n != nil {
		n.PaymentMethod = pm
	}
	return n, true, err
}

// buildIntent creates the intent with its payment method pm (nil if none)
// and, with Confirm, confirms it.
func (g *Gateway) buildIntent(ctx context.Context, c *Caller, in CreateIntentInput, pm *payments.PaymentMethod) (*NewIntent, error) {
	in.PaymentMethod = pm
	id := ids.New(ids.PaymentIntent)
	pi, events, err := payments.NewIntent(id, c.AccountID, id+"_secret_"+ids.Random(24), in.IntentInput, g.Clock.Now())
	if err != nil {
		return nil, err
	}
	if in.Confirm {
		more, err := g.confirm(ctx, pi, pm, payments.ConfirmInput{ReturnURL: in.ReturnURL})
		if err != nil {
			return nil, err
		}
		events = append(events, more...)
	} else if in.ReturnURL != "" {
		return nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: "return_url",
			Message: "return_url can only be passed when confirm=true."}
	}
	return &NewIntent{Intent: pi, events: events}, nil
}

// StoreIntent stores a built intent: its new payment method, the intent
// and their events.
func (g *Gateway) StoreIntent(ctx context.Context, tx store.Tx, c *Caller, n *NewIntent) error {
	if n.PaymentMethod != nil {
		if err := tx.InsertPaymentMethod(ctx, n.PaymentMethod); err != nil {
			return err
		}
	}
	if err := tx.InsertIntent(ctx, n.Intent); err != nil {
		return err
	}
	return g.record(ctx, tx, c.AccountID, c, n.events)
}

// CreateIntent creates an intent and, with Confirm, confirms it at once.
func (g *Gateway) CreateIntent(ctx context.Context, tx store.Tx, c *Caller, in CreateIntentInput) (*payments.PaymentIntent, error) {
	n, built, err := g.BuildIntent(ctx, c, in)
	if !built { // it names a stored payment method
		var pm *payments.PaymentMethod
		if pm, err = g.resolveMethod(ctx, tx, c, in.Method); err != nil {
			return nil, err
		}
		n, err = g.buildIntent(ctx, c, in, pm)
	}
	if err != nil {
		return nil, err
	}
	return n.Intent, g.StoreIntent(ctx, tx, c, n)
}

// UpdateIntentInput is an update request.
type UpdateIntentInput struct {
	payments.IntentUpdate
	Method MethodChoice
}

// UpdateIntent applies a merchant's update.
func (g *Gateway) UpdateIntent(ctx context.Context, tx store.Tx, c *Caller, id string, in UpdateIntentInput) (*payments.PaymentIntent, error) {
	pi, err := intent(ctx, tx, c.AccountID, id, "intent")
	if err != nil {
		return nil, err
	}
	pm, err := g.resolveMethod(ctx, tx, c, in.Method)
	if err != nil {
		return nil, err
	}
	in.PaymentMethod = pm
	if err := payments.Update(pi, in.IntentUpdate); err != nil {
		return nil, err
	}
	return pi, tx.UpdateIntent(ctx, pi)
}

// ConfirmIntentInput is a confirm request.
type ConfirmIntentInput struct {
	Method    MethodChoice
	ReturnURL string
	// Update carries fields confirm may also set (capture_method, the Vipps reference).
	Update payments.IntentUpdate
}

// ConfirmIntent confirms an intent: the acquirer starts an attempt and the
// intent requires_action until the customer answers.
func (g *Gateway) ConfirmIntent(ctx context.Context, tx store.Tx, c *Caller, id string, in ConfirmIntentInput) (*payments.PaymentIntent, error) {
	pi, err := intent(ctx, tx, c.AccountID, id, "intent")
	if err != nil {
		return nil, err
	}
	if err := payments.GuardCheckout(pi, payments.ActionConfirm); err != nil {
		return nil, err
	}
	pm, err := g.resolveMethod(ctx, tx, c, in.Method)
	if err != nil {
		return nil, err
	}
	if pm == nil && pi.PaymentMethodID != "" {
		if pm, err = paymentMethod(ctx, tx, c.AccountID, pi.PaymentMethodID, "payment_method"); err != nil {
			return nil, err
		}
	}
	if !in.Update.Empty() {
		if err := payments.Update(pi, in.Update); err != nil {
			return nil, err
		}
	}
	events, err := g.confirm(ctx, pi, pm, payments.ConfirmInput{ReturnURL: in.ReturnURL})
	if err != nil {
		return nil, err
	}
	if err := tx.UpdateIntent(ctx, pi); err != nil {
		return nil, err
	}
	return pi, g.record(ctx, tx, c.AccountID, c, events)
}

func (g *Gateway) confirm(ctx context.Context, pi *payments.PaymentIntent, pm *payments.PaymentMethod, in payments.ConfirmInput) ([]payments.Event, error) {
	in.PaymentMethod = pm
	conf, err := payments.PrepareConfirm(pi, nil, in)
	if err != nil {
		return nil, err
	}
	redirect, err := g.Acquirer.StartRedirect(ctx, pi, conf.PaymentMethod)
	if err != nil {
		return nil, err
	}
	return payments.BeginAction(pi, conf, redirect, g.Clock.Now()), nil
}

// CancelIntent cancels an intent.
func (g *Gateway) CancelIntent(ctx context.Context, tx store.Tx, c *Caller, id, reason string) (*payments.PaymentIntent, error) {
	return g.changeSettled(ctx, tx, c, id, func(pi *payments.PaymentIntent, latest *payments.Charge, _ *payments.Books) ([]payments.Event, error) {
		if err := payments.GuardCheckout(pi, payments.ActionCancel); err != nil {
			return nil, err
		}
		return payments.Cancel(pi, latest, reason, g.Clock.Now())
	})
}

// CaptureIntent captures an authorized intent (amount nil: all of it).
func (g *Gateway) CaptureIntent(ctx context.Context, tx store.Tx, c *Caller, id string, amount *int64) (*payments.PaymentIntent, error) {
	return g.changeSettled(ctx, tx, c, id, func(pi *payments.PaymentIntent, latest *payments.Charge, books *payments.Books) ([]payments.Event, error) {
		if latest == nil {
			latest = &payments.Charge{} // no charge: Capture's guard refuses before touching it
		}
		return payments.Capture(pi, latest, amount, books, g.Clock.Now())
	})
}

// changeSettled applies a merchant command that may touch the intent's
// latest charge, and saves both with the ledger entries and events it writes.
func (g *Gateway) changeSettled(ctx context.Context, tx store.Tx, c *Caller, id string,
	change func(*payments.PaymentIntent, *payments.Charge, *payments.Books) ([]payments.Event, error)) (*payments.PaymentIntent, error) {
	pi, err := intent(ctx, tx, c.AccountID, id, "intent")
	if err != nil {
		return nil, err
	}
	latest, err := g.latestCharge(ctx, tx, pi)
	if err != nil {
		return nil, err
	}
	books := g.books()
	events, err := change(pi, latest, books)
	if err != nil {
		return nil, err
	}
	if err := g.save(ctx, tx, pi, latest); err != nil {
		return nil, err
	}
	if err := g.book(ctx, tx, books); err != nil {
		return nil, err
	}
	if g.IntentSettled != nil {
		if err := g.IntentSettled(ctx, tx, pi); err != nil {
			return nil, err
		}
	}
	return pi, g.record(ctx, tx, c.AccountID, c, events)
}

func (g *Gateway) latestCharge(ctx context.Context, tx store.Reader, pi *payments.PaymentIntent) (*payments.Charge, error) {
	if pi.LatestChargeID == "" {
		return nil, nil
	}
	return tx.Charge(ctx, pi.AccountID, pi.LatestChargeID)
}

// save writes an intent and the charge a change touched (if any).
func (g *Gateway) save(ctx context.Context, tx store.Tx, pi *payments.PaymentIntent, ch *payments.Charge) error {
	if err := tx.UpdateIntent(ctx, pi); err != nil {
		return err
	}
	if ch == nil || ch.ID == "" {
		return nil
	}
	return tx.UpdateCharge(ctx, ch)
}
