// Package gateway runs Kassa's payment commands: each one loads objects in a
// store transaction, applies the pure domain transition from package
// payments, asks the acquirer for what only it can do, and saves objects and
// events together. Adapters (the Stripe API, sandbox pages, later Paygate and
// Shopware) call it; it knows nothing of their wire formats.
package gateway

import (
	"context"
	"errors"
	"time"

	"kassa/internal/clock"
	"kassa/internal/delivery"
	"kassa/internal/ids"
	"kassa/internal/ledger"
	"kassa/internal/payments"
	"kassa/internal/secrets"
	"kassa/internal/store"
)

// DefaultAPIVersion is the Stripe API version events are stamped with: one
// of stripe-go v82's release train, whose webhook verification checks it.
const DefaultAPIVersion = "2025-08-27.basil"

// SupportedAPIVersions are the versions Kassa renders objects in.
var SupportedAPIVersions = []string{DefaultAPIVersion}

// Acquirer is what a payment processor does for Kassa. The sandbox is the
// first implementation; a real connector replaces it per method.
type Acquirer interface {
	// StartRedirect begins an attempt and says where to send the customer.
	StartRedirect(ctx context.Context, pi *payments.PaymentIntent, pm *payments.PaymentMethod) (payments.Redirect, error)
	// VirtualAccountNumber issues the account a bank transfer goes to.
	VirtualAccountNumber(bank string, pi *payments.PaymentIntent) string
	// StartRefund sends a refund to be paid out. settleAt is when the
	// acquirer completes it on its own (the sandbox's delay); zero when it
	// reports the outcome later (FinishRefund).
	StartRefund(ctx context.Context, r *payments.Refund, now time.Time) (settleAt time.Time, err error)
	// ChargeAgreement charges a saved agreement without the customer; a
	// non-empty declined says why the acquirer refused.
	ChargeAgreement(ctx context.Context, pi *payments.PaymentIntent, pm *payments.PaymentMethod) (declined string, err error)
}

// Gateway runs payment commands.
type Gateway struct {
	Store    store.Store
	Acquirer Acquirer
	Clock    clock.Clock
	// Secrets seals webhook signing secrets at rest.
	Secrets *secrets.Box
	// ForbidPrivateAddresses refuses URLs Kassa is to call (webhook
	// endpoints, Paygate's URLNotify, Shopware shops) on local addresses
	// (ForbiddenDestination); the clients that call them also refuse to
	// connect to such addresses.
	ForbidPrivateAddresses bool
	// PublicURL is where customers reach Kassa (hosted checkout pages).
	PublicURL string
	// Ledger books movements of money; nil means ledger.Default().
	Ledger *ledger.Ledger
	// IntentSettled, when set, runs in the transaction that ends an
	// attempt (the customer's answer or its expiry) or captures or cancels
	// an intent, once the intent is saved. An adapter that owes someone news
	// of the outcome (the Shopware app's Admin API push) enqueues it there,
	// so it commits with the change.
	IntentSettled func(ctx context.Context, tx store.Tx, pi *payments.PaymentIntent) error
	// RefundSettled, when set, runs in the transaction that moves a refund
	// out of pending (succeeded, failed, canceled), for the same purpose.
	RefundSettled func(ctx context.Context, tx store.Tx, r *payments.Refund) error
	// Courier, when set, takes new webhook deliveries straight from the
	// writes that owe them: this process's sender (delivery.Sender).
	Courier Courier
}

// Courier sends new webhook deliveries without waiting for the outbox's
// poll: a write inserts each delivery leased to it (Lease) and hands it
// over once the write's fate is known (Hand). A delivery it has no room
// for is inserted unleased, for the poll.
type Courier interface {
	Lease(endpointID string) (claim string, until time.Time, ok bool)
	Hand(committed bool, hs []delivery.Handoff)
}

// books starts the ledger entries of one change.
func (g *Gateway) books() *payments.Books {
	l := g.Ledger
	if l == nil {
		l = ledger.Default()
	}
	return &payments.Books{Ledger: l, NewID: func() string { return ids.New(ids.BalanceTransaction) }}
}

// book saves the ledger entries a change wrote, in its transaction.
func (g *Gateway) book(ctx context.Context, tx store.Tx, b *payments.Books) error {
	if len(b.Written) == 0 {
		return nil
	}
	return tx.InsertBalanceTransactions(ctx, b.Written)
}

// Caller is who asked for a change, recorded on its events. A nil *Caller
// means Kassa itself (a timer, the sandbox acquirer).
type Caller struct {
	AccountID      string
	RequestID      string
	IdempotencyKey string
	// APIVersion is the account's, when the caller has the account at
	// hand (the API has); events are stamped with it. Empty: record
	// reads the account.
	APIVersion string
}

// record stores the events a change emitted, in the change's transaction,
// with the webhook deliveries they owe (the outbox): committed together, so
// no event is ever without its deliveries, nor a delivery without its event.
func (g *Gateway) record(ctx context.Context, tx store.Tx, accountID string, caller *Caller, events []payments.Event) error {
	if len(events) == 0 {
		return nil
	}
	apiVersion, err := g.apiVersion(ctx, tx, accountID, caller)
	if err != nil {
		return err
	}
	now := g.Clock.Now()
	out := make([]*store.Event, len(events))
	for i, e := range events {
		out[i] = &store.Event{
			ID: ids.New(ids.Event), AccountID: accountID, Type: e.Type,
			APIVersion: apiVersion, Created: now, Object: e.Object,
		}
		if caller != nil {
			out[i].RequestID, out[i].IdempotencyKey = caller.RequestID, caller.IdempotencyKey
		}
	}
	if err := tx.InsertEvents(ctx, out); err != nil {
		return err
	}
	if err := g.settlePaygate(ctx, tx, events); err != nil {
		return err
	}
	return g.enqueueDeliveries(ctx, tx, accountID, out)
}

// apiVersion is the account's API version, from the caller if it knows it.
func (g *Gateway) apiVersion(ctx context.Context, tx store.Tx, accountID string, caller *Caller) (string, error) {
	if caller != nil && caller.APIVersion != "" && caller.AccountID == accountID {
		return caller.APIVersion, nil
	}
	account, err := tx.Account(ctx, accountID)
	return account.APIVersion, err
}

// intent loads an intent for a command, mapping absence to Stripe's
// resource_missing on the given parameter.
func intent(ctx context.Context, tx store.Reader, accountID, id, param string) (*payments.PaymentIntent, error) {
	pi, err := tx.Intent(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payments.NotFound("payment_intent", id, param)
	}
	return pi, err
}

func paymentMethod(ctx context.Context, tx store.Reader, accountID, id, param string) (*payments.PaymentMethod, error) {
	pm, err := tx.PaymentMethod(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payments.NotFound("payment_method", id, param)
	}
	return pm, err
}
