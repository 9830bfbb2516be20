package api

import (
	"context"
	"net/http"

	"kassa/internal/store"
)

func (s *Server) createPaymentMethod(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	in := d.paymentMethodData("")
	if d.err != nil {
		return d.err
	}
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		pm, err := s.Gateway.CreatePaymentMethod(ctx, tx, r.caller(), *in)
		if err != nil {
			return nil, err
		}
		return renderPaymentMethod(pm), nil
	})
}

func (s *Server) retrievePaymentMethod(w http.ResponseWriter, r *request) error {
	return s.retrieve(w, r, "payment_method", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		pm, err := rd.PaymentMethod(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return renderPaymentMethod(pm), nil
	})
}

func (s *Server) listPaymentMethods(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	d.str("type")
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/payment_methods", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListPaymentMethods(ctx, r.Account.ID, q)
		return renderList("/v1/payment_methods", items, more, renderPaymentMethod), err
	})
}

func (s *Server) retrieveCharge(w http.ResponseWriter, r *request) error {
	return s.retrieve(w, r, "charge", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		ch, err := rd.Charge(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return chargeView(ctx, rd, ch)
	})
}

func (s *Server) listCharges(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	q.PaymentIntent, _ = d.str("payment_intent")
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/charges", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListCharges(ctx, r.Account.ID, q)
		if err != nil {
			return nil, err
		}
		return renderListWith(ctx, rd, "/v1/charges", items, more, chargeView)
	})
}

func (s *Server) retrieveEvent(w http.ResponseWriter, r *request) error {
	return s.retrieve(w, r, "event", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		e, err := rd.Event(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return renderEvent(e), nil
	})
}

func (s *Server) listEvents(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	if t, ok := d.str("type"); ok {
		q.Types = append(q.Types, t)
	}
	if ts, ok := d.strings("types"); ok {
		q.Types = append(q.Types, ts...)
	}
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/events", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListEvents(ctx, r.Account.ID, q)
		return renderList("/v1/events", items, more, renderEvent), err
	})
}
