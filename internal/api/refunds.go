package api

import (
	"context"
	"net/http"

	"kassa/internal/gateway"
	"kassa/internal/payments"
	"kassa/internal/store"
)

func (s *Server) createRefund(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	var in gateway.CreateRefundInput
	in.PaymentIntent, _ = d.str("payment_intent")
	in.Charge, _ = d.str("charge")
	in.Amount = d.optInt64("amount")
	in.Reason, _ = d.str("reason")
	in.Metadata, _ = d.metadata()
	expand := d.expansions(refundExpansions...)
	if d.err != nil {
		return d.err
	}
	if in.PaymentIntent == "" && in.Charge == "" {
		return invalidRequest(http.StatusBadRequest, "parameter_missing", "payment_intent", "One of payment_intent or charge is required.")
	}
	return s.changeRefund(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.Refund, error) {
		return s.Gateway.CreateRefund(ctx, tx, r.caller(), in)
	})
}

func (s *Server) updateRefund(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	md, clear := d.metadata()
	expand := d.expansions(refundExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.changeRefund(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.Refund, error) {
		return s.Gateway.UpdateRefund(ctx, tx, r.caller(), r.PathValue("id"), md, clear)
	})
}

func (s *Server) cancelRefund(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	expand := d.expansions(refundExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.changeRefund(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.Refund, error) {
		return s.Gateway.CancelRefund(ctx, tx, r.caller(), r.PathValue("id"))
	})
}

// finishRefund serves the test helpers that play the acquirer's answer.
func (s *Server) finishRefund(outcome gateway.RefundOutcome) handlerFunc {
	return func(w http.ResponseWriter, r *request) error {
		d := &decoder{p: r.Params}
		expand := d.expansions(refundExpansions...)
		if d.err != nil {
			return d.err
		}
		return s.changeRefund(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.Refund, error) {
			return s.Gateway.FinishRefund(ctx, tx, r.caller(), r.PathValue("id"), outcome)
		})
	}
}

// changeRefund runs a refund command through change and renders the refund.
func (s *Server) changeRefund(w http.ResponseWriter, r *request, expand map[string]bool, fn func(context.Context, store.Tx) (*payments.Refund, error)) error {
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		refund, err := fn(ctx, tx)
		if err != nil {
			return nil, err
		}
		return s.refundView(ctx, tx, refund, expand)
	})
}

func (s *Server) retrieveRefund(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	expand := d.expansions(refundExpansions...)
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.retrieve(w, r, "refund", func(ctx context.Context, rd store.Reader) (map[string]any, error) {
		refund, err := rd.Refund(ctx, r.Account.ID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return s.refundView(ctx, rd, refund, expand)
	})
}

func (s *Server) listRefunds(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	q.PaymentIntent, _ = d.str("payment_intent")
	q.Charge, _ = d.str("charge")
	expand := d.expansions("data.charge", "data.payment_intent", "data.balance_transaction", "data.failure_balance_transaction")
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/refunds", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListRefunds(ctx, r.Account.ID, q)
		if err != nil {
			return nil, err
		}
		return renderListWith(ctx, rd, "/v1/refunds", items, more, func(ctx context.Context, rd store.Reader, refund *payments.Refund) (map[string]any, error) {
			return s.refundView(ctx, rd, refund, expand)
		})
	})
}
