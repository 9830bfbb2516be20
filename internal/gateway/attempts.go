package gateway

import (
	"context"
	"errors"
	"time"

	"kassa/internal/ids"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Outcome is the customer's (or the clock's) answer to a pending attempt.
// Sandbox pages, test helpers and timers all end attempts through
// finishAttempt, so each does exactly what the others do.
type Outcome string

const (
	OutcomeAuthorize Outcome = "authorize"
	OutcomeDecline   Outcome = "decline"
	OutcomeCancel    Outcome = "cancel" // the customer abandoned it at the bank or wallet
	OutcomeExpire    Outcome = "expire"
)

// ErrAttemptExpired: the customer acted after the deadline; the attempt has
// been expired instead.
var ErrAttemptExpired = errors.New("gateway: the payment attempt expired")

// AttemptView is what a sandbox page needs to show an attempt.
type AttemptView struct {
	Intent        *payments.PaymentIntent
	PaymentMethod *payments.PaymentMethod // nil once the attempt has ended
	AccountName   string
}

// Attempt loads the intent waiting for an attempt, for a page to show.
func (g *Gateway) Attempt(ctx context.Context, attempt string) (AttemptView, error) {
	var view AttemptView
	pi, err := g.withAttempt(ctx, attempt, func(tx store.Tx, pi *payments.PaymentIntent) error {
		account, err := tx.Account(ctx, pi.AccountID)
		if err != nil {
			return err
		}
		view.AccountName = account.Name
		view.PaymentMethod, err = tx.PaymentMethod(ctx, pi.AccountID, pi.PaymentMethodID)
		return err
	})
	view.Intent = pi
	return view, err
}

// OpenAttempt records that the customer opened the redirect page.
func (g *Gateway) OpenAttempt(ctx context.Context, attempt string) (*payments.PaymentIntent, error) {
	return g.changeAttempt(ctx, attempt, func(pi *payments.PaymentIntent) error {
		return payments.Open(pi, attempt, g.Clock.Now())
	})
}

// ChooseBank issues the virtual account at the customer's bank.
func (g *Gateway) ChooseBank(ctx context.Context, attempt, bank string) (*payments.PaymentIntent, error) {
	return g.changeAttempt(ctx, attempt, func(pi *payments.PaymentIntent) error {
		va := payments.VirtualAccount{Bank: bank, Number: g.Acquirer.VirtualAccountNumber(bank, pi)}
		return payments.ChooseBank(pi, attempt, va)
	})
}

// IdentifyPayer records the wallet user's phone number.
func (g *Gateway) IdentifyPayer(ctx context.Context, attempt, phone string) (*payments.PaymentIntent, error) {
	return g.changeAttempt(ctx, attempt, func(pi *payments.PaymentIntent) error {
		return payments.IdentifyPayer(pi, attempt, phone)
	})
}

func (g *Gateway) changeAttempt(ctx context.Context, attempt string, change func(*payments.PaymentIntent) error) (*payments.PaymentIntent, error) {
	return g.withAttempt(ctx, attempt, func(tx store.Tx, pi *payments.PaymentIntent) error {
		if err := change(pi); err != nil {
			return err
		}
		return tx.UpdateIntent(ctx, pi)
	})
}

// FinishAttempt ends an attempt from a sandbox page.
func (g *Gateway) FinishAttempt(ctx context.Context, attempt string, outcome Outcome, reason string) (*payments.PaymentIntent, error) {
	return g.withAttempt(ctx, attempt, func(tx store.Tx, pi *payments.PaymentIntent) error {
		return g.finishAttempt(ctx, tx, pi, attempt, outcome, reason, nil)
	})
}

// withAttempt runs fn in a transaction on the intent waiting for attempt.
// An overdue attempt is expired instead (its timer may not have run yet),
// committed, and reported as ErrAttemptExpired with the updated intent.
func (g *Gateway) withAttempt(ctx context.Context, attempt string, fn func(store.Tx, *payments.PaymentIntent) error) (*payments.PaymentIntent, error) {
	var out *payments.PaymentIntent
	expired := false
	err := g.Store.Write(ctx, func(tx store.Tx) error {
		pi, err := tx.IntentByAttempt(ctx, attempt)
		if errors.Is(err, store.ErrNotFound) {
			return &payments.Error{Code: payments.CodeStaleAttempt,
				Message: "This payment page is no longer valid: the payment was completed, failed or canceled."}
		}
		if err != nil {
			return err
		}
		out = pi
		expired, err = g.onAttempt(ctx, tx, pi, attempt, nil, func() error { return fn(tx, pi) })
		return err
	})
	if err == nil && expired {
		err = ErrAttemptExpired
	}
	return out, err
}

// FinishIntent ends an intent's current attempt for a test helper: the same
// transition its page action or timer makes, including expiry when the
// deadline has already passed.
func (g *Gateway) FinishIntent(ctx context.Context, tx store.Tx, c *Caller, id string, outcome Outcome) (*payments.PaymentIntent, error) {
	pi, err := intent(ctx, tx, c.AccountID, id, "intent")
	if err != nil {
		return nil, err
	}
	attempt := ""
	if pi.Pending != nil {
		attempt = pi.Pending.Attempt
	}
	_, err = g.onAttempt(ctx, tx, pi, attempt, c, func() error {
		return g.finishAttempt(ctx, tx, pi, attempt, outcome, "", c)
	})
	return pi, err
}

// onAttempt runs fn on a pending attempt, or expires the attempt instead
// when its deadline has passed (the timer may not have run yet).
func (g *Gateway) onAttempt(ctx context.Context, tx store.Tx, pi *payments.PaymentIntent, attempt string, c *Caller, fn func() error) (expired bool, err error) {
	if payments.Overdue(pi, g.Clock.Now()) {
		return true, g.finishAttempt(ctx, tx, pi, attempt, OutcomeExpire, "", c)
	}
	return false, fn()
}

func (g *Gateway) finishAttempt(ctx context.Context, tx store.Tx, pi *payments.PaymentIntent, attempt string, outcome Outcome, reason string, c *Caller) error {
	now := g.Clock.Now()
	ch := &payments.Charge{ID: ids.New(ids.Charge)}
	var pm *payments.PaymentMethod
	if pi.PaymentMethodID != "" {
		var err error
		if pm, err = tx.PaymentMethod(ctx, pi.AccountID, pi.PaymentMethodID); err != nil {
			return err
		}
		ch.BillingDetails = pm.BillingDetails
	}
	var events []payments.Event
	var err error
	books := g.books()
	switch outcome {
	case OutcomeAuthorize:
		events, err = payments.Authorize(pi, attempt, ch, books, now)
	case OutcomeDecline:
		events, err = payments.Decline(pi, attempt, ch, reason, now)
	case OutcomeCancel:
		events, err = payments.Abandon(pi, attempt, ch, reason, now)
	case OutcomeExpire:
		events, err = payments.Expire(pi, attempt, ch, now)
	default:
		return errors.New("gateway: unknown outcome " + string(outcome))
	}
	if err != nil {
		return err
	}
	// A Checkout Session driving the intent moves in this same transaction.
	sessionEvents, err := g.followCheckout(ctx, tx, pi)
	if err != nil {
		return err
	}
	if err := tx.InsertCharge(ctx, ch); err != nil {
		return err
	}
	if err := tx.UpdateIntent(ctx, pi); err != nil {
		return err
	}
	if payments.SaveAgreement(pi, pm, now) {
		if err := tx.UpdatePaymentMethod(ctx, pm); err != nil {
			return err
		}
	}
	if err := g.book(ctx, tx, books); err != nil {
		return err
	}
	if g.IntentSettled != nil {
		if err := g.IntentSettled(ctx, tx, pi); err != nil {
			return err
		}
	}
	return g.record(ctx, tx, pi.AccountID, c, append(events, sessionEvents...))
}

// ExpireOverdue expires every attempt whose deadline has passed, each in its
// own transaction, and returns how many it expired. Deadlines live in the
// intents' rows, so they survive restarts.
func (g *Gateway) ExpireOverdue(ctx context.Context) (int, error) {
	read := readDue(ctx, g.Store, func(r store.Reader, limit int) ([]store.IntentRef, error) {
		return r.OverdueIntents(ctx, g.Clock.Now(), limit)
	})
	return drainDue(ctx, read, func(ref store.IntentRef) (did bool, err error) {
		err = g.Store.Write(ctx, func(tx store.Tx) error {
			did = false // a retried transaction starts over
			pi, err := tx.Intent(ctx, ref.AccountID, ref.ID)
			if err != nil || !payments.Overdue(pi, g.Clock.Now()) {
				return err // finished or moved on meanwhile
			}
			did = true
			return g.finishAttempt(ctx, tx, pi, pi.Pending.Attempt, OutcomeExpire, "", nil)
		})
		return did, err
	})
}

// RunTimers expires overdue attempts and Checkout Sessions, and completes
// due refunds, every interval until ctx ends.
func (g *Gateway) RunTimers(ctx context.Context, interval time.Duration, onError func(error)) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if _, err := g.ExpireOverdue(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
			if _, err := g.ExpireOverdueSessions(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
			if _, err := g.SettleDueRefunds(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}
