package api

import (
	"context"
	"strings"

	"kassa/internal/ids"
	"kassa/internal/ledger"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Views render objects with what they embed or expand, loaded in the
// request's transaction or snapshot.

// renderListWith is renderList for renderings that read related objects.
func renderListWith[T any](ctx context.Context, rd store.Reader, url string, items []T, hasMore bool,
	view func(context.Context, store.Reader, T) (map[string]any, error)) (map[string]any, error) {
	data := make([]map[string]any, len(items))
	for i, it := range items {
		var err error
		if data[i], err = view(ctx, rd, it); err != nil {
			return nil, err
		}
	}
	return listEnvelope(url, data, hasMore), nil
}

// chargeView renders a live charge with its ten newest refunds.
func chargeView(ctx context.Context, rd store.Reader, ch *payments.Charge) (map[string]any, error) {
	items, more, err := rd.ListRefunds(ctx, ch.AccountID, store.ListQuery{Limit: 10, Charge: ch.ID})
	if err != nil {
		return nil, err
	}
	return renderCharge(ch, &chargeRefunds{items: items, hasMore: more}), nil
}

var refundExpansions = []string{"charge", "payment_intent", "balance_transaction", "failure_balance_transaction"}

func (s *Server) refundView(ctx context.Context, rd store.Reader, r *payments.Refund, expand map[string]bool) (map[string]any, error) {
	view := renderRefund(r)
	if err := s.expandPayment(ctx, rd, view, r.AccountID, r.ChargeID, r.PaymentIntentID, expand); err != nil {
		return nil, err
	}
	for key, id := range map[string]string{"balance_transaction": r.BalanceTransactionID, "failure_balance_transaction": r.FailureBalanceTransactionID} {
		if expand[key] && id != "" {
			t, err := rd.BalanceTransaction(ctx, r.AccountID, id)
			if err != nil {
				return nil, err
			}
			view[key] = renderBalanceTransaction(t, s.Clock.Now())
		}
	}
	return view, nil
}

var disputeExpansions = []string{"charge", "payment_intent"}

func (s *Server) disputeView(ctx context.Context, rd store.Reader, d *payments.Dispute, expand map[string]bool) (map[string]any, error) {
	view := renderDispute(d, s.Clock.Now())
	return view, s.expandPayment(ctx, rd, view, d.AccountID, d.ChargeID, d.PaymentIntentID, expand)
}

// expandPayment replaces the charge and payment_intent ids of a refund or
// dispute with the objects, when asked to.
func (s *Server) expandPayment(ctx context.Context, rd store.Reader, view map[string]any, accountID, chargeID, piID string, expand map[string]bool) error {
	if expand["charge"] {
		ch, err := rd.Charge(ctx, accountID, chargeID)
		if err != nil {
			return err
		}
		if view["charge"], err = chargeView(ctx, rd, ch); err != nil {
			return err
		}
	}
	if expand["payment_intent"] {
		pi, err := rd.Intent(ctx, accountID, piID)
		if err != nil {
			return err
		}
		if view["payment_intent"], err = intentView(ctx, rd, pi, nil); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) balanceTransactionView(ctx context.Context, rd store.Reader, t *ledger.Transaction, expand map[string]bool) (map[string]any, error) {
	view := renderBalanceTransaction(t, s.Clock.Now())
	if !expand["source"] {
		return view, nil
	}
	var err error
	switch {
	case strings.HasPrefix(t.Source, ids.Charge+"_"):
		var ch *payments.Charge
		if ch, err = rd.Charge(ctx, t.AccountID, t.Source); err == nil {
			view["source"], err = chargeView(ctx, rd, ch)
		}
	case strings.HasPrefix(t.Source, ids.Refund+"_"):
		var r *payments.Refund
		if r, err = rd.Refund(ctx, t.AccountID, t.Source); err == nil {
			view["source"] = renderRefund(r)
		}
	case strings.HasPrefix(t.Source, ids.Dispute+"_"):
		var d *payments.Dispute
		if d, err = rd.Dispute(ctx, t.AccountID, t.Source); err == nil {
			view["source"], err = s.disputeView(ctx, rd, d, nil)
		}
	}
	return view, err
}
