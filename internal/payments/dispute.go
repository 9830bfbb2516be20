package payments

import (
	"slices"
	"strings"
	"time"

	"kassa/internal/ledger"
	"kassa/internal/methods"
	"kassa/internal/money"
)

// DisputeStatus is a dispute's status, from Stripe's set for chargebacks.
type DisputeStatus string

const (
	DisputeNeedsResponse DisputeStatus = "needs_response"
	DisputeUnderReview   DisputeStatus = "under_review"
	DisputeWon           DisputeStatus = "won"
	DisputeLost          DisputeStatus = "lost"
)

// DisputeStatuses lists every status, for exhaustive tests.
var DisputeStatuses = []DisputeStatus{DisputeNeedsResponse, DisputeUnderReview, DisputeWon, DisputeLost}

// DisputeAction is something that can happen to a dispute.
type DisputeAction string

const (
	DisputeStage  DisputeAction = "stage"  // the merchant adds evidence
	DisputeSubmit DisputeAction = "submit" // the merchant submits the evidence
	DisputeClose  DisputeAction = "close"  // the merchant accepts the loss
	DisputeWin    DisputeAction = "win"    // the bank decides for the merchant
	DisputeLose   DisputeAction = "lose"   // the bank decides for the payer
	DisputeAmend  DisputeAction = "update" // metadata
)

// DisputeActions lists every action, for exhaustive tests.
var DisputeActions = []DisputeAction{DisputeStage, DisputeSubmit, DisputeClose, DisputeWin, DisputeLose, DisputeAmend}

var disputeAllowedFrom = map[DisputeAction][]DisputeStatus{
	DisputeStage:  {DisputeNeedsResponse},
	DisputeSubmit: {DisputeNeedsResponse},
	DisputeClose:  {DisputeNeedsResponse},
	DisputeWin:    {DisputeNeedsResponse, DisputeUnderReview},
	DisputeLose:   {DisputeNeedsResponse, DisputeUnderReview},
	DisputeAmend:  DisputeStatuses,
}

var disputeVerbs = map[DisputeAction]string{
	DisputeStage: "given evidence", DisputeSubmit: "submitted", DisputeClose: "closed",
	DisputeWin: "won", DisputeLose: "lost", DisputeAmend: "updated",
}

func guardDispute(d *Dispute, action DisputeAction) error {
	if err := checkStatus(disputeAllowedFrom, disputeVerbs, action, d.Status, CodeDisputeUnexpectedState, "dispute"); err != nil {
		return err
	}
	return nil
}

// Dispute is a chargeback: the payer's bank takes (part of) a payment back
// until the merchant's evidence wins it.
type Dispute struct {
	ID              string            `json:"id"`
	AccountID       string            `json:"account_id"`
	ChargeID        string            `json:"charge"`
	PaymentIntentID string            `json:"payment_intent"`
	Method          methods.Type      `json:"method"`
	Amount          int64             `json:"amount"`
	Currency        money.Currency    `json:"currency"`
	Status          DisputeStatus     `json:"status"`
	Reason          string            `json:"reason"`
	Evidence        map[string]string `json:"evidence,omitempty"`
	SubmissionCount int               `json:"submission_count,omitempty"`
	PastDue         bool              `json:"past_due,omitempty"`
	DueBy           time.Time         `json:"due_by"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	// BalanceTransactions: the withdrawal, and the reinstatement if won.
	// They never change, and Stripe's dispute embeds them whole, so the
	// dispute (and every event's snapshot of it) carries copies.
	BalanceTransactions []*ledger.Transaction `json:"balance_transactions,omitempty"`
	// Withdrawn is what the withdrawal took, in the settlement currency
	// (without the dispute fee): exactly what winning gives back.
	Withdrawn int64     `json:"withdrawn"`
	Created   time.Time `json:"created"`
}

// Clone returns a deep copy for event snapshots.
func (d *Dispute) Clone() *Dispute {
	c := *d
	c.Evidence = cloneMap(d.Evidence)
	c.Metadata = cloneMap(d.Metadata)
	c.BalanceTransactions = slices.Clone(d.BalanceTransactions)
	return &c
}

// Open reports whether the dispute is not decided yet.
func (d *Dispute) Open() bool {
	return d.Status == DisputeNeedsResponse || d.Status == DisputeUnderReview
}

// DisputeReasons are Stripe's dispute reasons.
var DisputeReasons = []string{"bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
	"debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details", "insufficient_funds",
	"noncompliant", "product_not_received", "product_unacceptable", "subscription_canceled", "unrecognized"}

// EvidenceFields are Stripe's dispute evidence fields (file fields take a file id as text).
var EvidenceFields = []string{"access_activity_log", "billing_address", "cancellation_policy",
	"cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication", "customer_email_address",
	"customer_name", "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation",
	"duplicate_charge_explanation", "duplicate_charge_id", "product_description", "receipt", "refund_policy",
	"refund_policy_disclosure", "refund_refusal_explanation", "service_date", "service_documentation",
	"shipping_address", "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
	"uncategorized_file", "uncategorized_text"}

// EvidenceWindow is how long the merchant has to respond.
const EvidenceWindow = 7 * 24 * time.Hour

// DisputeInput is what the payer's bank claims.
type DisputeInput struct {
	Amount *int64 // nil: all that was captured and not refunded
	Reason string // default general
}

// OpenDispute opens a chargeback on a succeeded payment whose method has
// chargebacks. One per charge; it cannot claim what refunds already gave
// back. Its amount is withdrawn from the balance at once (with the dispute
// fee) and cannot be refunded while the dispute is open or once it is lost.
func OpenDispute(id string, pi *PaymentIntent, ch *Charge, m methods.Method, in DisputeInput, books *Books, now time.Time) (*Dispute, []Event, error) {
	if err := guard(pi, ActionDispute); err != nil {
		return nil, nil, err
	}
	if ch == nil || !ch.Captured || ch.Status != ChargeSucceeded {
		return nil, nil, invalid(CodeChargeNotDisputable, "", "This PaymentIntent has no captured charge to dispute.")
	}
	if !m.Chargebacks {
		return nil, nil, invalid(CodeChargeNotDisputable, "", "Payments with %s cannot be charged back.", m.Type)
	}
	if ch.Disputed() {
		return nil, nil, invalid(CodeChargeDisputed, "", "Charge %s has already been disputed (%s).", ch.ID, ch.DisputeID)
	}
	reason := in.Reason
	if reason == "" {
		reason = "general"
	}
	if !slices.Contains(DisputeReasons, reason) {
		return nil, nil, invalid(CodeParameterInvalid, "reason", "Invalid reason: must be one of %s.", strings.Join(DisputeReasons, ", "))
	}
	remaining := ch.Refundable()
	amount := remaining
	if in.Amount != nil {
		amount = *in.Amount
	}
	switch {
	case amount < 1 && in.Amount != nil:
		return nil, nil, invalid(CodeAmountTooSmall, "amount", "The disputed amount must be at least 1 (in the smallest currency unit).")
	case remaining <= 0:
		return nil, nil, invalid(CodeChargeAlreadyRefunded, "", "Charge %s has already been refunded; nothing is left to dispute.", ch.ID)
	case amount > remaining:
		return nil, nil, invalid(CodeAmountTooLarge, "amount", "The disputed amount (%s) is greater than what charge %s still holds (%s).",
			money.Display(amount, ch.Currency), ch.ID, money.Display(remaining, ch.Currency))
	}
	d := &Dispute{
		ID: id, AccountID: ch.AccountID, ChargeID: ch.ID, PaymentIntentID: pi.ID, Method: ch.Method,
		Amount: amount, Currency: ch.Currency, Status: DisputeNeedsResponse, Reason: reason,
		DueBy: now.Add(EvidenceWindow), Created: now,
	}
	ch.AmountDisputed, ch.DisputeID = amount, d.ID
	txn, taken, err := books.takeBack(ch, ledger.DisputeWithdrawal, d.ID, "Chargeback withdrawal for "+ch.ID, now)
	if err != nil {
		return nil, nil, err
	}
	d.BalanceTransactions, d.Withdrawn = []*ledger.Transaction{txn}, taken
	return d, []Event{disputeEvent(EventDisputeCreated, d), disputeEvent(EventDisputeFundsWithdrawn, d)}, nil
}

// DisputeUpdate is a merchant's update: evidence to stage or submit, metadata.
type DisputeUpdate struct {
	Evidence map[string]string // an empty value removes a field
	// Submit nil means Stripe's default: submit when evidence is given.
	Submit        *bool
	Metadata      map[string]string
	ClearMetadata bool
}

// UpdateDispute stages evidence, submits it (needs_response → under_review),
// or changes metadata.
func UpdateDispute(d *Dispute, u DisputeUpdate, now time.Time) ([]Event, error) {
	submit := len(u.Evidence) > 0
	if u.Submit != nil {
		submit = *u.Submit
	}
	if err := guardDispute(d, DisputeAmend); err != nil {
		return nil, err
	}
	if len(u.Evidence) > 0 {
		if err := guardDispute(d, DisputeStage); err != nil {
			return nil, err
		}
	}
	if submit {
		if err := guardDispute(d, DisputeSubmit); err != nil {
			return nil, err
		}
	}
	next := d.Clone()
	for k, v := range u.Evidence {
		if !slices.Contains(EvidenceFields, k) {
			return nil, invalid(CodeParameterUnknown, "evidence["+k+"]", "Received unknown parameter: evidence[%s]", k)
		}
		if next.Evidence == nil {
			next.Evidence = map[string]string{}
		}
		if v == "" {
			delete(next.Evidence, k)
		} else {
			next.Evidence[k] = v
		}
	}
	if len(next.Evidence) == 0 {
		next.Evidence = nil
	}
	if submit {
		if len(next.Evidence) == 0 {
			return nil, invalid(CodeParameterMissing, "evidence", "There is no evidence to submit: pass evidence[...] fields first.")
		}
		next.Status = DisputeUnderReview
		next.SubmissionCount++
		next.PastDue = now.After(d.DueBy)
	}
	md, err := MergeMetadata(d.Metadata, u.Metadata, u.ClearMetadata)
	if err != nil {
		return nil, err
	}
	next.Metadata = md
	*d = *next
	return []Event{disputeEvent(EventDisputeUpdated, d)}, nil
}

// CloseDispute accepts the loss: the withdrawn funds stay withdrawn.
func CloseDispute(d *Dispute) ([]Event, error) {
	if err := guardDispute(d, DisputeClose); err != nil {
		return nil, err
	}
	d.Status = DisputeLost
	return []Event{disputeEvent(EventDisputeClosed, d)}, nil
}

// DecideDispute records the bank's decision. Won: the withdrawn amount
// returns to the balance (the dispute fee does not) and may be refunded
// again. Lost: it stays withdrawn and can never be refunded.
func DecideDispute(d *Dispute, ch *Charge, won bool, books *Books, now time.Time) ([]Event, error) {
	action := DisputeLose
	if won {
		action = DisputeWin
	}
	if err := guardDispute(d, action); err != nil {
		return nil, err
	}
	if !won {
		d.Status = DisputeLost
		return []Event{disputeEvent(EventDisputeClosed, d)}, nil
	}
	d.Status = DisputeWon
	ch.AmountDisputed = 0
	txn := books.giveBack(ch, ledger.DisputeReinstatement, d.ID, "Chargeback reversal for "+ch.ID, d.Withdrawn, now)
	d.BalanceTransactions = append(d.BalanceTransactions, txn)
	return []Event{disputeEvent(EventDisputeClosed, d), disputeEvent(EventDisputeFundsReinstated, d)}, nil
}
