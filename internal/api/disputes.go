package api

import (
	"context"
	"net/http"

	"kassa/internal/payments"
	"kassa/internal/store"
)

// openDispute is the test helper that plays the payer's bank charging a
// payment back.
func (s *Server) openDispute(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	var in payments.DisputeInput
	in.Amount = d.optInt64("amount")
	in.Reason, _ = d.str("reason")
	expand := d.expansions(disputeExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.changeDispute(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.Dispute, error) {
		return s.Gateway.OpenDispute(ctx, tx, r.caller(), r.PathValue("id"), in)
	})
}

func (s *Server) updateDispute(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	var u payments.DisputeUpdate
	for _, f := range payments.EvidenceFields {
		if v, ok := d.str("evidence", f); ok {
			if u.Evidence == nil {
				u.Evidence = map[string]string{}
			}
			u.Evidence[f] = v
		}
	}
	if v, ok, err := d.p.Bool("submit"); ok || err != nil {
		d.keep(err)
		u.Submit = &v
	}
	u.Metadata, u.ClearMetadata = d.metadata()
	expand := d.expansions(disputeExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.changeDispute(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.Dispute, error) {
		return s.Gateway.UpdateDispute(ctx, tx, r.caller(), r.PathValue("id"), u)
	})
}

func (s *Server) closeDispute(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	expand := d.expansions(disputeExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.changeDispute(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.Dispute, error) {
		return s.Gateway.CloseDispute(ctx, tx, r.caller(), r.PathValue("id"))
	})
}

// decideDispute serves the test helpers that play the bank's decision.
func (s *Server) decideDispute(won bool) handlerFunc {
	return func(w http.ResponseWriter, r *request) error {
		d := &decoder{p: r.Params}
		expand := d.expansions(disputeExpansions...)
		if d.err != nil {
			return d.err
		}
		return s.changeDispute(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.Dispute, error) {
			return s.Gateway.DecideDispute(ctx, tx, r.caller(), r.PathValue("id"), won)
		})
	}
}

// changeDispute runs a dispute command through change and renders the dispute.
func (s *Server) changeDispute(w http.ResponseWriter, r *request, expand map[string]bool, fn func(context.Context, store.Tx) (*payments.Dispute, error)) error {
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		dispute, err := fn(ctx, tx)
		if err != nil {
			return nil, err
		}
		return s.disputeView(ctx, tx, dispute, expand)
	})
}

func (s *Server) retrieveDispute(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	expand := d.expansions(disputeExpansions...)
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.retrieve(w, r, "dispute", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		dispute, err := rd.Dispute(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return s.disputeView(ctx, rd, dispute, expand)
	})
}

func (s *Server) listDisputes(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	q.PaymentIntent, _ = d.str("payment_intent")
	q.Charge, _ = d.str("charge")
	expand := d.expansions("data.charge", "data.payment_intent")
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/disputes", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListDisputes(ctx, r.Account.ID, q)
		if err != nil {
			return nil, err
		}
		return renderListWith(ctx, rd, "/v1/disputes", items, more, func(ctx context.Context, rd store.Reader, dispute *payments.Dispute) (map[string]any, error) {
			return s.disputeView(ctx, rd, dispute, expand)
		})
	})
}
