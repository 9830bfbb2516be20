package api

import (
	"encoding/json"
	"time"

	"kassa/internal/ledger"
	"kassa/internal/payments"
)

// chargeRefunds is the refunds list a live charge embeds (Stripe's
// charge.refunds); event snapshots carry none and render without it.
type chargeRefunds struct {
	items   []*payments.Refund
	hasMore bool
}

func renderRefund(r *payments.Refund) map[string]any {
	view := map[string]any{
		"id":                       r.ID,
		"object":                   "refund",
		"amount":                   r.Amount,
		"balance_transaction":      orNil(r.BalanceTransactionID),
		"charge":                   r.ChargeID,
		"created":                  r.Created.Unix(),
		"currency":                 string(r.Currency),
		"description":              nil,
		"destination_details":      map[string]any{"type": string(r.Method), string(r.Method): map[string]any{}},
		"metadata":                 metadata(r.Metadata),
		"next_action":              nil,
		"payment_intent":           r.PaymentIntentID,
		"pending_reason":           nil,
		"presentment_details":      nil,
		"reason":                   orNil(r.Reason),
		"receipt_number":           nil,
		"source_transfer_reversal": nil,
		"status":                   string(r.Status),
		"transfer_reversal":        nil,
	}
	if r.Status == payments.RefundPending {
		view["pending_reason"] = "processing"
	}
	if r.FailureReason != "" {
		view["failure_reason"] = r.FailureReason
		view["failure_balance_transaction"] = orNil(r.FailureBalanceTransactionID)
	}
	return view
}

func renderDispute(d *payments.Dispute, now time.Time) map[string]any {
	evidence := map[string]any{"enhanced_evidence": map[string]any{}}
	for _, f := range payments.EvidenceFields {
		evidence[f] = orNil(d.Evidence[f])
	}
	bts := make([]map[string]any, len(d.BalanceTransactions))
	for i, t := range d.BalanceTransactions {
		bts[i] = renderBalanceTransaction(t, now)
	}
	return map[string]any{
		"id":                         d.ID,
		"object":                     "dispute",
		"amount":                     d.Amount,
		"balance_transactions":       bts,
		"charge":                     d.ChargeID,
		"created":                    d.Created.Unix(),
		"currency":                   string(d.Currency),
		"enhanced_eligibility_types": []string{},
		"evidence":                   evidence,
		"evidence_details": map[string]any{
			"due_by":               unix(d.DueBy),
			"enhanced_eligibility": map[string]any{},
			"has_evidence":         len(d.Evidence) > 0,
			"past_due":             d.PastDue,
			"submission_count":     d.SubmissionCount,
		},
		// A chargeback has already withdrawn the money: refunding cannot
		// settle it (Stripe's flag is true only for inquiries).
		"is_charge_refundable":   false,
		"livemode":               false,
		"metadata":               metadata(d.Metadata),
		"network_reason_code":    nil,
		"payment_intent":         d.PaymentIntentID,
		"payment_method_details": map[string]any{"type": string(d.Method)},
		"reason":                 d.Reason,
		"status":                 string(d.Status),
	}
}

func renderBalanceTransaction(t *ledger.Transaction, now time.Time) map[string]any {
	var rate any
	if t.ExchangeRate != nil {
		// A JSON number, written exactly as Display gives it.
		rate = json.Number(t.ExchangeRate.Display())
	}
	fees := make([]map[string]any, len(t.FeeDetails))
	for i, f := range t.FeeDetails {
		fees[i] = map[string]any{"amount": f.Amount, "application": nil, "currency": string(f.Currency), "description": f.Description, "type": f.Type}
	}
	return map[string]any{
		"id":                 t.ID,
		"object":             "balance_transaction",
		"amount":             t.Amount,
		"available_on":       t.AvailableOn.Unix(),
		"balance_type":       "payments",
		"created":            t.Created.Unix(),
		"currency":           string(t.Currency),
		"description":        orNil(t.Description),
		"exchange_rate":      rate,
		"fee":                t.Fee,
		"fee_details":        fees,
		"net":                t.Net,
		"reporting_category": t.ReportingCategory,
		"source":             t.Source,
		"status":             t.Status(now),
		"type":               t.Type,
	}
}

func renderBalance(balances []ledger.Balance) map[string]any {
	available, pending := []map[string]any{}, []map[string]any{}
	for _, b := range balances {
		available = append(available, map[string]any{"amount": b.Available, "currency": string(b.Currency)})
		pending = append(pending, map[string]any{"amount": b.Pending, "currency": string(b.Currency)})
	}
	return map[string]any{"object": "balance", "available": available, "pending": pending, "livemode": false}
}
