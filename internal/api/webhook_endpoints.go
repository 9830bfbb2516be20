package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// Stripe's /v1/webhook_endpoints, and Kassa's own extensions to see and
// repeat deliveries (docs/webhooks.md).

// endpointInput reads the parameters create and update share.
func (d *decoder) endpointInput() webhooks.EndpointInput {
	var in webhooks.EndpointInput
	in.URL = d.optStr("url")
	in.Description = d.optStr("description")
	if events, ok := d.strings("enabled_events"); ok {
		in.EnabledEvents = events
	}
	in.Metadata, in.ClearMetadata = d.metadata()
	if connect := d.bool("connect"); connect {
		d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "connect", "Kassa has no connected accounts: connect must be false."))
	}
	d.expansions()
	return in
}

func (s *Server) createWebhookEndpoint(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	d.required("url")
	d.required("enabled_events")
	in := d.endpointInput()
	in.APIVersion = d.optStr("api_version")
	if d.err != nil {
		return d.err
	}
	// The secret is shown on create only, and kept sealed: not even the
	// saved idempotent response holds it.
	return s.changeRevealing(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		e, _, err := s.Gateway.CreateWebhookEndpoint(ctx, tx, r.caller(), in)
		if err != nil {
			return nil, err
		}
		return renderWebhookEndpoint(e), nil
	}, func(ctx context.Context, body []byte) ([]byte, error) {
		var view map[string]any
		if err := json.Unmarshal(body, &view); err != nil {
			return nil, err
		}
		id, _ := view["id"].(string)
		var secret string
		err := s.Store.Read(ctx, func(rd store.Reader) error {
			e, err := rd.WebhookEndpoint(ctx, r.Account.ID, id)
			if errors.Is(err, store.ErrNotFound) {
				return nil // deleted since: nothing to reveal
			}
			if err != nil {
				return err
			}
			secret, err = s.Gateway.WebhookSecret(e)
			return err
		})
		if err != nil {
			return nil, err
		}
		view["secret"] = orNil(secret)
		return marshalView(view)
	})
}

func (s *Server) updateWebhookEndpoint(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	in := d.endpointInput()
	if d.p.Has("disabled") {
		disabled := d.bool("disabled")
		in.Disabled = &disabled
	}
	if d.err != nil {
		return d.err
	}
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		e, err := s.Gateway.UpdateWebhookEndpoint(ctx, tx, r.caller(), r.PathValue("id"), in)
		if err != nil {
			return nil, err
		}
		return renderWebhookEndpoint(e), nil
	})
}

func (s *Server) deleteWebhookEndpoint(w http.ResponseWriter, r *request) error {
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		id := r.PathValue("id")
		if err := s.Gateway.DeleteWebhookEndpoint(ctx, tx, r.caller(), id); err != nil {
			return nil, err
		}
		return map[string]any{"id": id, "object": "webhook_endpoint", "deleted": true}, nil
	})
}

func (s *Server) retrieveWebhookEndpoint(w http.ResponseWriter, r *request) error {
	return s.retrieve(w, r, "webhook_endpoint", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		e, err := rd.WebhookEndpoint(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return renderWebhookEndpoint(e), nil
	})
}

func (s *Server) listWebhookEndpoints(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/webhook_endpoints", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListWebhookEndpoints(ctx, r.Account.ID, q)
		return renderList("/v1/webhook_endpoints", items, more, renderWebhookEndpoint), err
	})
}

// listDeliveries is Kassa's extension: an endpoint's deliveries, newest
// first, each with every attempt made.
func (s *Server) listDeliveries(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	q.Endpoint = r.PathValue("id")
	q.Event, _ = d.str("event")
	if err := s.read(r, d); err != nil {
		return err
	}
	url := "/v1/webhook_endpoints/" + q.Endpoint + "/deliveries"
	found := true
	err := s.list(w, r, url, func(ctx context.Context, rd store.Reader) (any, error) {
		if _, err := rd.WebhookEndpoint(ctx, r.Account.ID, q.Endpoint); err != nil {
			found = false
			return nil, err
		}
		items, more, err := rd.ListDeliveries(ctx, r.Account.ID, q)
		return renderList(url, items, more, renderDelivery), err
	})
	if !found {
		return invalidRequest(http.StatusNotFound, "resource_missing", "id", "No such webhook_endpoint: '"+q.Endpoint+"'")
	}
	return err
}

// resendEvent is Kassa's extension: owe an event again to one endpoint
// (webhook_endpoint) or to all that subscribe to it.
func (s *Server) resendEvent(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	endpointID, _ := d.str("webhook_endpoint")
	if d.err != nil {
		return d.err
	}
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		_, ds, err := s.Gateway.ResendEvent(ctx, tx, r.caller(), r.PathValue("id"), endpointID)
		if err != nil {
			return nil, err
		}
		return renderList("/v1/events/"+r.PathValue("id")+"/resend", ds, false, renderDelivery), nil
	})
}

func renderWebhookEndpoint(e *webhooks.Endpoint) map[string]any {
	events := e.EnabledEvents
	if events == nil {
		events = []string{}
	}
	return map[string]any{
		"id":             e.ID,
		"object":         "webhook_endpoint",
		"api_version":    orNil(e.APIVersion),
		"application":    nil,
		"created":        e.Created.Unix(),
		"description":    orNil(e.Description),
		"enabled_events": events,
		"livemode":       false,
		"metadata":       metadata(e.Metadata),
		"status":         e.Status(),
		"url":            e.URL,
	}
}

func renderDelivery(d *webhooks.Delivery) map[string]any {
	attempts := make([]map[string]any, len(d.History))
	for i, a := range d.History {
		var status any
		if a.StatusCode != 0 {
			status = a.StatusCode
		}
		attempts[i] = map[string]any{
			"number":       a.Number,
			"attempted_at": a.At.Unix(),
			"status_code":  status,
			"latency_ms":   a.Latency.Milliseconds(),
			"error":        orNil(a.Error),
		}
	}
	return map[string]any{
		"id":               d.ID,
		"object":           "webhook_delivery",
		"created":          d.Created.Unix(),
		"event":            d.EventID,
		"webhook_endpoint": d.EndpointID,
		"status":           d.Status,
		"attempt_count":    d.Attempts,
		"next_attempt_at":  unix(d.NextAttemptAt),
		"attempts":         attempts,
	}
}
