package payments

import (
	"slices"
	"strings"
	"time"

	"kassa/internal/ledger"
	"kassa/internal/methods"
	"kassa/internal/money"
)

// RefundStatus is a refund's status, from Stripe's set (Kassa's methods
// never need requires_action).
type RefundStatus string

const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
	RefundCanceled  RefundStatus = "canceled"
)

// RefundStatuses lists every status, for exhaustive tests.
var RefundStatuses = []RefundStatus{RefundPending, RefundSucceeded, RefundFailed, RefundCanceled}

// RefundAction is something that can happen to a refund.
type RefundAction string

const (
	RefundSucceed RefundAction = "succeed" // the acquirer paid the money back
	RefundFail    RefundAction = "fail"    // the acquirer could not
	RefundCancel  RefundAction = "cancel"  // the merchant withdrew it while pending
	RefundUpdate  RefundAction = "update"  // metadata
)

// RefundActions lists every action, for exhaustive tests.
var RefundActions = []RefundAction{RefundSucceed, RefundFail, RefundCancel, RefundUpdate}

var refundAllowedFrom = map[RefundAction][]RefundStatus{
	RefundSucceed: {RefundPending},
	RefundFail:    {RefundPending},
	RefundCancel:  {RefundPending},
	RefundUpdate:  RefundStatuses,
}

var refundVerbs = map[RefundAction]string{
	RefundSucceed: "completed", RefundFail: "failed", RefundCancel: "canceled", RefundUpdate: "updated",
}

func guardRefund(r *Refund, action RefundAction) error {
	if err := checkStatus(refundAllowedFrom, refundVerbs, action, r.Status, CodeRefundUnexpectedState, "refund"); err != nil {
		return err
	}
	return nil
}

// Refund gives (part of) a captured payment back to the customer.
type Refund struct {
	ID              string            `json:"id"`
	AccountID       string            `json:"account_id"`
	ChargeID        string            `json:"charge"`
	PaymentIntentID string            `json:"payment_intent"`
	Method          methods.Type      `json:"method"`
	Amount          int64             `json:"amount"`
	Currency        money.Currency    `json:"currency"`
	Status          RefundStatus      `json:"status"`
	Reason          string            `json:"reason,omitempty"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	// FailureReason is Stripe's: declined (the acquirer refused),
	// merchant_request (canceled).
	FailureReason               string `json:"failure_reason,omitempty"`
	BalanceTransactionID        string `json:"balance_transaction,omitempty"`
	FailureBalanceTransactionID string `json:"failure_balance_transaction,omitempty"`
	// SettlementTaken is what the refund's balance transaction took, in the
	// settlement currency: exactly what a failure gives back.
	SettlementTaken int64 `json:"settlement_taken"`
	// SettleAt is when the acquirer completes the pending refund on its own
	// (the sandbox's delay); zero when it reports the outcome later.
	SettleAt time.Time `json:"settle_at,omitzero"`
	Created  time.Time `json:"created"`
}

// Clone returns a deep copy for event snapshots.
func (r *Refund) Clone() *Refund {
	c := *r
	c.Metadata = cloneMap(r.Metadata)
	return &c
}

// RefundReasons are the reasons a merchant may give.
var RefundReasons = []string{"duplicate", "fraudulent", "requested_by_customer"}

// RefundInput is what a merchant asks for.
type RefundInput struct {
	Amount   *int64 // nil: all that can still be refunded
	Reason   string
	Metadata map[string]string
}

// NewRefund refunds (part of) a succeeded payment's captured charge, within
// the method's rules: refunds at all, partial refunds, more than one. The
// refunds that have not failed, plus a dispute's hold, never exceed what was
// captured. The refund is pending until the acquirer reports; its money
// leaves the balance at once.
func NewRefund(id string, pi *PaymentIntent, ch *Charge, m methods.Method, in RefundInput, books *Books, now time.Time) (*Refund, []Event, error) {
	if err := guard(pi, ActionRefund); err != nil {
		return nil, nil, err
	}
	if ch == nil || !ch.Captured || ch.Status != ChargeSucceeded {
		return nil, nil, invalid(CodeChargeNotRefundable, "", "This PaymentIntent has no captured charge to refund.")
	}
	if !m.Refunds {
		return nil, nil, invalid(CodeChargeNotRefundable, "", "Payments with %s cannot be refunded.", m.Type)
	}
	if in.Reason != "" && !slices.Contains(RefundReasons, in.Reason) {
		return nil, nil, invalid(CodeParameterInvalid, "reason", "Invalid reason: must be one of %s.", strings.Join(RefundReasons, ", "))
	}
	if in.Amount != nil && *in.Amount < 1 {
		return nil, nil, invalid(CodeAmountTooSmall, "amount", "The refund amount must be at least 1 (in the smallest currency unit).")
	}
	metadata, err := MergeMetadata(nil, in.Metadata, false)
	if err != nil {
		return nil, nil, err
	}
	remaining := ch.Refundable()
	switch {
	case remaining <= 0 && ch.AmountDisputed > 0:
		return nil, nil, invalid(CodeChargeDisputed, "", "Charge %s has been charged back; the disputed %s cannot also be refunded.",
			ch.ID, money.Display(ch.AmountDisputed, ch.Currency))
	case remaining <= 0:
		return nil, nil, invalid(CodeChargeAlreadyRefunded, "", "Charge %s has already been refunded.", ch.ID)
	case ch.Refunds() > 0 && !m.MultiplePartial:
		return nil, nil, invalid(CodeChargeNotRefundable, "", "Payments with %s can be refunded once; charge %s already has a refund.", m.Type, ch.ID)
	}
	amount := remaining
	if in.Amount != nil {
		amount = *in.Amount
	}
	if amount > remaining {
		msg := "Refund amount (%s) is greater than the amount that can still be refunded on charge %s (%s)."
		if ch.AmountDisputed > 0 {
			msg += " A dispute holds " + money.Display(ch.AmountDisputed, ch.Currency) + "."
		}
		return nil, nil, invalid(CodeAmountTooLarge, "amount", msg, money.Display(amount, ch.Currency), ch.ID, money.Display(remaining, ch.Currency))
	}
	if amount < ch.AmountCaptured && !m.PartialRefunds {
		return nil, nil, invalid(CodeParameterInvalid, "amount", "Payments with %s can only be refunded in full (%s).",
			m.Type, money.Display(ch.AmountCaptured, ch.Currency))
	}
	r := &Refund{
		ID: id, AccountID: ch.AccountID, ChargeID: ch.ID, PaymentIntentID: pi.ID, Method: ch.Method,
		Amount: amount, Currency: ch.Currency, Status: RefundPending, Reason: in.Reason, Metadata: metadata, Created: now,
	}
	ch.AmountRefunded += amount
	txn, taken, err := books.takeBack(ch, ledger.Refund, r.ID, "Refund for "+ch.ID, now)
	if err != nil {
		return nil, nil, err
	}
	r.BalanceTransactionID, r.SettlementTaken = txn.ID, taken
	return r, []Event{refundEvent(EventRefundCreated, r), chargeEvent(EventChargeRefunded, ch)}, nil
}

// SucceedRefund records that the acquirer paid the refund out.
func SucceedRefund(r *Refund) ([]Event, error) {
	if err := guardRefund(r, RefundSucceed); err != nil {
		return nil, err
	}
	r.Status, r.SettleAt = RefundSucceeded, time.Time{}
	return []Event{refundEvent(EventRefundUpdated, r), refundEvent(EventChargeRefundUpdated, r)}, nil
}

// FailRefund records that the acquirer could not pay the refund out: its
// amount can be refunded again and its money returns to the balance.
func FailRefund(r *Refund, ch *Charge, reason string, books *Books, now time.Time) ([]Event, error) {
	if err := guardRefund(r, RefundFail); err != nil {
		return nil, err
	}
	if reason == "" {
		reason = "declined"
	}
	reverse(r, ch, RefundFailed, reason, books, now)
	return []Event{refundEvent(EventRefundFailed, r), refundEvent(EventRefundUpdated, r), refundEvent(EventChargeRefundUpdated, r)}, nil
}

// CancelRefund withdraws a pending refund, with the same effect as a failure.
func CancelRefund(r *Refund, ch *Charge, books *Books, now time.Time) ([]Event, error) {
	if err := guardRefund(r, RefundCancel); err != nil {
		return nil, err
	}
	reverse(r, ch, RefundCanceled, "merchant_request", books, now)
	return []Event{refundEvent(EventRefundUpdated, r), refundEvent(EventChargeRefundUpdated, r)}, nil
}

func reverse(r *Refund, ch *Charge, status RefundStatus, reason string, books *Books, now time.Time) {
	r.Status, r.FailureReason, r.SettleAt = status, reason, time.Time{}
	ch.AmountRefunded -= r.Amount
	r.FailureBalanceTransactionID = books.giveBack(ch, ledger.RefundFailure, r.ID, "Refund failure for "+ch.ID, r.SettlementTaken, now).ID
}

// UpdateRefund changes a refund's metadata (any status).
func UpdateRefund(r *Refund, metadata map[string]string, clear bool) ([]Event, error) {
	if err := guardRefund(r, RefundUpdate); err != nil {
		return nil, err
	}
	md, err := MergeMetadata(r.Metadata, metadata, clear)
	if err != nil {
		return nil, err
	}
	r.Metadata = md
	return []Event{refundEvent(EventRefundUpdated, r)}, nil
}
