package gateway

import (
	"context"
	"errors"

	"kassa/internal/delivery"
	"kassa/internal/ids"
	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// CreateWebhookEndpoint creates an endpoint and returns it with its signing
// secret, which is shown only now: the store keeps it sealed.
func (g *Gateway) CreateWebhookEndpoint(ctx context.Context, tx store.Tx, c *Caller, in webhooks.EndpointInput) (*webhooks.Endpoint, string, error) {
	e, err := webhooks.NewEndpoint(ids.New(ids.WebhookEndpoint), c.AccountID, in, SupportedAPIVersions, g.Clock.Now())
	if err != nil {
		return nil, "", err
	}
	if err := g.checkPublic(e); err != nil {
		return nil, "", err
	}
	secret := webhooks.SecretPrefix + ids.Random(32)
	e.SealedSecret = g.Secrets.Seal([]byte(secret), []byte(e.ID))
	return e, secret, tx.InsertWebhookEndpoint(ctx, e)
}

func (g *Gateway) checkPublic(e *webhooks.Endpoint) error {
	if !g.ForbidPrivateAddresses {
		return nil
	}
	return webhooks.CheckPublicURL(e.URL)
}

// ForbiddenDestination reports whether Kassa must refuse to call raw,
// known from the URL alone: with ForbidPrivateAddresses, a host that is
// local (webhooks.LocalHost). It returns the host, to name in a refusal.
// Names that resolve to local addresses are refused when connecting.
func (g *Gateway) ForbiddenDestination(raw string) (host string, forbidden bool) {
	if !g.ForbidPrivateAddresses {
		return "", false
	}
	return webhooks.LocalHost(raw)
}

// WebhookSecret opens an endpoint's signing secret, for signing deliveries.
func (g *Gateway) WebhookSecret(e *webhooks.Endpoint) (string, error) {
	secret, err := g.Secrets.Open(e.SealedSecret, []byte(e.ID))
	return string(secret), err
}

func (g *Gateway) webhookEndpoint(ctx context.Context, tx store.Reader, accountID, id, param string) (*webhooks.Endpoint, error) {
	e, err := tx.WebhookEndpoint(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payments.NotFound("webhook_endpoint", id, param)
	}
	return e, err
}

// UpdateWebhookEndpoint applies an update (disabled=true stops deliveries
// of new events; those already owed are still sent).
func (g *Gateway) UpdateWebhookEndpoint(ctx context.Context, tx store.Tx, c *Caller, id string, in webhooks.EndpointInput) (*webhooks.Endpoint, error) {
	e, err := g.webhookEndpoint(ctx, tx, c.AccountID, id, "id")
	if err != nil {
		return nil, err
	}
	if err := webhooks.Update(e, in); err != nil {
		return nil, err
	}
	if err := g.checkPublic(e); err != nil {
		return nil, err
	}
	return e, tx.UpdateWebhookEndpoint(ctx, e)
}

// DeleteWebhookEndpoint deletes an endpoint; what it was still owed is canceled.
func (g *Gateway) DeleteWebhookEndpoint(ctx context.Context, tx store.Tx, c *Caller, id string) error {
	if _, err := g.webhookEndpoint(ctx, tx, c.AccountID, id, "id"); err != nil {
		return err
	}
	return tx.DeleteWebhookEndpoint(ctx, c.AccountID, id)
}

// enqueueDeliveries owes each event to every endpoint of the account that
// subscribes to its type.
func (g *Gateway) enqueueDeliveries(ctx context.Context, tx store.Tx, accountID string, events []*store.Event) error {
	endpoints, err := tx.AccountWebhookEndpoints(ctx, accountID)
	if err != nil || len(endpoints) == 0 {
		return err
	}
	owed := make([]owing, 0, len(events))
	for _, e := range events {
		o := owing{event: e}
		for _, ep := range endpoints {
			if ep.Subscribes(e.Type) {
				o.endpoints = append(o.endpoints, ep)
			}
		}
		owed = append(owed, o)
	}
	_, err = g.owe(ctx, tx, accountID, owed)
	return err
}

// owing is an event and the endpoints it is owed to.
type owing struct {
	event     *store.Event
	endpoints []*webhooks.Endpoint
}

// owe inserts one pending delivery per event and endpoint, due at once.
// Those the Courier has room for are inserted leased to it and handed over
// when the write has committed.
func (g *Gateway) owe(ctx context.Context, tx store.Tx, accountID string, owed []owing) ([]*webhooks.Delivery, error) {
	var ds []*webhooks.Delivery
	var handed []delivery.Handoff
	for _, o := range owed {
		first := len(handed)
		for _, ep := range o.endpoints {
			d := g.newDelivery(accountID, ep.ID, o.event.ID)
			ds = append(ds, d)
			if g.Courier == nil {
				continue
			}
			var leased bool
			if d.Claim, d.LeaseUntil, leased = g.Courier.Lease(ep.ID); leased {
				handed = append(handed, delivery.Handoff{Delivery: d, Endpoint: ep})
			}
		}
		if first < len(handed) {
			// The event as a read shows it while these deliveries are pending.
			sent := *o.event
			sent.PendingWebhooks += len(o.endpoints)
			for i := first; i < len(handed); i++ {
				handed[i].Event = &sent
			}
		}
	}
	if len(handed) > 0 {
		// Registered before the insert: a write that fails from here on
		// gives the Courier its room back.
		tx.Finally(func(committed bool) { g.Courier.Hand(committed, handed) })
	}
	return ds, tx.InsertDeliveries(ctx, ds)
}

func (g *Gateway) newDelivery(accountID, endpointID, eventID string) *webhooks.Delivery {
	now := g.Clock.Now()
	return &webhooks.Delivery{ID: ids.New(ids.Delivery), AccountID: accountID, EndpointID: endpointID, EventID: eventID,
		Status: webhooks.DeliveryPending, NextAttemptAt: now, Created: now}
}

// ResendEvent owes an event once more: to the given endpoint, or to every
// enabled endpoint that subscribes to its type. Each resend is a new
// delivery with its own retries; earlier ones keep their history.
func (g *Gateway) ResendEvent(ctx context.Context, tx store.Tx, c *Caller, eventID, endpointID string) (*store.Event, []*webhooks.Delivery, error) {
	e, err := tx.Event(ctx, c.AccountID, eventID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, payments.NotFound("event", eventID, "id")
	}
	if err != nil {
		return nil, nil, err
	}
	var targets []*webhooks.Endpoint
	if endpointID != "" {
		ep, err := g.webhookEndpoint(ctx, tx, c.AccountID, endpointID, "webhook_endpoint")
		if err != nil {
			return nil, nil, err
		}
		if ep.Disabled {
			return nil, nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: "webhook_endpoint",
				Message: "Webhook endpoint " + endpointID + " is disabled; enable it before resending to it."}
		}
		targets = append(targets, ep)
	} else {
		all, err := tx.AccountWebhookEndpoints(ctx, c.AccountID)
		if err != nil {
			return nil, nil, err
		}
		for _, ep := range all {
			if ep.Subscribes(e.Type) {
				targets = append(targets, ep)
			}
		}
		if len(targets) == 0 {
			return nil, nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: "id",
				Message: "No enabled webhook endpoint subscribes to " + e.Type + " events; name one with webhook_endpoint."}
		}
	}
	ds, err := g.owe(ctx, tx, c.AccountID, []owing{{event: e, endpoints: targets}})
	if err != nil {
		return nil, nil, err
	}
	e.PendingWebhooks += len(ds)
	return e, ds, nil
}
