package payments

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
)

// IntentInput is what a merchant may set when creating an intent.
type IntentInput struct {
	Amount              int64
	Currency            money.Currency
	CaptureMethod       string
	Description         string
	ReceiptEmail        string
	StatementDescriptor string
	Metadata            map[string]string
	PaymentMethodTypes  []methods.Type
	VippsReference      string
	// SetupFutureUsage is "" or "off_session" (see PaymentIntent).
	SetupFutureUsage string
	// PaymentMethod, when given, is attached and the intent awaits confirmation.
	PaymentMethod *PaymentMethod
}

// NewIntent creates an intent (requires_payment_method, or
// requires_confirmation when a payment method is attached).
func NewIntent(id, accountID, clientSecret string, in IntentInput, now time.Time) (*PaymentIntent, []Event, error) {
	pi := &PaymentIntent{
		ID:                  id,
		AccountID:           accountID,
		Amount:              in.Amount,
		Currency:            in.Currency,
		Status:              RequiresPaymentMethod,
		CaptureMethod:       in.CaptureMethod,
		ClientSecret:        clientSecret,
		Description:         in.Description,
		ReceiptEmail:        in.ReceiptEmail,
		StatementDescriptor: in.StatementDescriptor,
		VippsReference:      in.VippsReference,
		SetupFutureUsage:    in.SetupFutureUsage,
		Created:             now,
	}
	if pi.CaptureMethod == "" {
		pi.CaptureMethod = CaptureAutomaticAsync
	}
	if err := checkCaptureMethod(pi.CaptureMethod); err != nil {
		return nil, nil, err
	}
	if err := checkVippsReference(in.VippsReference); err != nil {
		return nil, nil, err
	}
	metadata, err := MergeMetadata(nil, in.Metadata, false)
	if err != nil {
		return nil, nil, err
	}
	pi.Metadata = metadata
	types, err := resolveTypes(in.PaymentMethodTypes, in.PaymentMethod, in.Currency, in.Amount, pi.CaptureMethod)
	if err != nil {
		return nil, nil, err
	}
	pi.PaymentMethodTypes = types
	if err := checkSetupFutureUsage(pi); err != nil {
		return nil, nil, err
	}
	if in.PaymentMethod != nil {
		if err := attach(pi, in.PaymentMethod); err != nil {
			return nil, nil, err
		}
		pi.Status = RequiresConfirmation
	}
	return pi, []Event{intentEvent(EventIntentCreated, pi)}, nil
}

// IntentUpdate holds the fields a merchant changes; nil means unchanged.
type IntentUpdate struct {
	Amount              *int64
	Currency            *money.Currency
	CaptureMethod       *string
	Description         *string
	ReceiptEmail        *string
	StatementDescriptor *string
	Metadata            map[string]string
	ClearMetadata       bool
	PaymentMethodTypes  []methods.Type
	VippsReference      *string
	PaymentMethod       *PaymentMethod
}

// Empty reports whether the update changes nothing.
func (u IntentUpdate) Empty() bool {
	return !u.changesPayment() && u.Description == nil && u.ReceiptEmail == nil &&
		u.StatementDescriptor == nil && u.Metadata == nil && !u.ClearMetadata
}

func (u IntentUpdate) changesPayment() bool {
	return u.Amount != nil || u.Currency != nil || u.CaptureMethod != nil ||
		u.PaymentMethodTypes != nil || u.VippsReference != nil || u.PaymentMethod != nil
}

// Update applies a merchant's update. Descriptive fields may change in any
// status; what the payment is (amount, currency, method) only before it is
// under way. Updates emit no event (Stripe has no payment_intent.updated).
func Update(pi *PaymentIntent, u IntentUpdate) error {
	if u.changesPayment() {
		if err := GuardCheckout(pi, ActionUpdatePayment); err != nil {
			return err
		}
		if err := guard(pi, ActionUpdatePayment); err != nil {
			return err
		}
		if pi.Status == RequiresAction {
			return guardNotPending(pi)
		}
	}
	next := pi.Clone()
	if u.Amount != nil {
		next.Amount = *u.Amount
	}
	if u.Currency != nil {
		next.Currency = *u.Currency
	}
	if u.CaptureMethod != nil {
		next.CaptureMethod = *u.CaptureMethod
		if err := checkCaptureMethod(next.CaptureMethod); err != nil {
			return err
		}
	}
	setString(&next.Description, u.Description)
	setString(&next.ReceiptEmail, u.ReceiptEmail)
	setString(&next.StatementDescriptor, u.StatementDescriptor)
	if u.VippsReference != nil {
		if err := checkVippsReference(*u.VippsReference); err != nil {
			return err
		}
		next.VippsReference = *u.VippsReference
	}
	metadata, err := MergeMetadata(pi.Metadata, u.Metadata, u.ClearMetadata)
	if err != nil {
		return err
	}
	next.Metadata = metadata
	if u.changesPayment() {
		requested := u.PaymentMethodTypes
		if requested == nil && u.PaymentMethod == nil {
			requested = pi.PaymentMethodTypes
		}
		types, err := resolveTypes(requested, u.PaymentMethod, next.Currency, next.Amount, next.CaptureMethod)
		if err != nil {
			return err
		}
		next.PaymentMethodTypes = types
		if u.PaymentMethod != nil {
			if err := attach(next, u.PaymentMethod); err != nil {
				return err
			}
			next.Status = RequiresConfirmation
		}
	}
	*pi = *next
	return nil
}

// guardNotPending refuses payment changes while the customer is at the bank:
// the redirect they hold was made for the old amount.
func guardNotPending(pi *PaymentIntent) error {
	return &Error{Code: CodeUnexpectedState, Intent: pi,
		Message: "This PaymentIntent's amount, currency or payment method could not be updated because it has a status of requires_action. " +
			"Cancel it, or wait for the customer to finish, first."}
}

// GuardCheckout refuses a merchant's confirm, cancel or payment change of
// an intent that a Checkout Session drives: the session's hosted page
// confirms it and expiring the session cancels it, so the two never
// disagree. Kassa itself (the page, the session's expiry) goes around it.
func GuardCheckout(pi *PaymentIntent, action Action) error {
	if pi.CheckoutSessionID == "" {
		return nil
	}
	hint := "The customer pays on the session's hosted page."
	if action == ActionCancel {
		hint = "Expire the Checkout Session instead, which cancels this PaymentIntent."
	}
	return &Error{Code: CodeUnexpectedState, Intent: pi, Message: fmt.Sprintf(
		"This PaymentIntent could not be %s because Checkout Session %s manages it. %s", verbs[action], pi.CheckoutSessionID, hint)}
}

func setString(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

// ConfirmInput is what a confirmation may bring along.
type ConfirmInput struct {
	PaymentMethod *PaymentMethod // a new method to use instead of the attached one
	ReturnURL     string
}

// Confirmation is a validated confirmation, ready for the acquirer.
type Confirmation struct {
	PaymentMethod *PaymentMethod
	Method        methods.Method
	ReturnURL     string
}

// PrepareConfirm checks that the intent may be confirmed with the given (or
// attached) payment method. current is the attached method, nil if none.
func PrepareConfirm(pi *PaymentIntent, current *PaymentMethod, in ConfirmInput) (Confirmation, error) {
	if err := guard(pi, ActionConfirm); err != nil {
		return Confirmation{}, err
	}
	pm := in.PaymentMethod
	if pm == nil {
		pm = current
	}
	if pm == nil {
		return Confirmation{}, &Error{Code: CodeParameterMissing, Param: "payment_method", Intent: pi,
			Message: "You cannot confirm this PaymentIntent because it's missing a payment method. " +
				"Update the PaymentIntent with a payment_method, or pass payment_method or payment_method_data to confirm."}
	}
	next := pi.Clone()
	if err := attach(next, pm); err != nil {
		return Confirmation{}, err
	}
	method, _ := methods.Lookup(pm.Type)
	if next.ManualCapture() && !method.ManualCapture {
		return Confirmation{}, invalid(CodeParameterInvalid, "capture_method",
			"The payment method %s does not support capture_method=manual.", pm.Type)
	}
	returnURL := in.ReturnURL
	if returnURL == "" {
		returnURL = pi.ReturnURL
	}
	if returnURL == "" {
		return Confirmation{}, invalid(CodeParameterMissing, "return_url",
			"A return_url is required to confirm a PaymentIntent with %s: the customer is redirected to it after paying.", pm.Type)
	}
	if err := checkReturnURL(returnURL); err != nil {
		return Confirmation{}, err
	}
	return Confirmation{PaymentMethod: pm, Method: method, ReturnURL: returnURL}, nil
}

// Redirect is where the acquirer sends the customer for one attempt.
type Redirect struct {
	Attempt string
	URL     string
}

// BeginAction moves a confirmed intent to requires_action with the
// acquirer's redirect and the method's windows.
func BeginAction(pi *PaymentIntent, c Confirmation, r Redirect, now time.Time) []Event {
	pi.PaymentMethodID = c.PaymentMethod.ID
	pi.ReturnURL = c.ReturnURL
	pi.LastPaymentError = nil
	pi.Status = RequiresAction
	pi.Pending = &Pending{
		Attempt:     r.Attempt,
		Method:      c.Method.Type,
		RedirectURL: r.URL,
		ReturnURL:   c.ReturnURL,
	}
	if c.Method.OpenWindow > 0 {
		pi.Pending.OpenBy = now.Add(c.Method.OpenWindow)
	}
	if c.Method.AccountValidity > 0 {
		pi.Pending.VirtualAccount = &VirtualAccount{ExpiresAt: now.Add(c.Method.AccountValidity)}
	}
	return []Event{intentEvent(EventIntentRequiresAction, pi)}
}

// Overdue reports whether the pending step's deadline has passed.
func Overdue(pi *PaymentIntent, now time.Time) bool {
	d := pi.Pending.Deadline()
	return pi.Status == RequiresAction && !d.IsZero() && !now.Before(d)
}

// checkAttempt guards a customer-side action: the intent must still wait for
// this very attempt.
func checkAttempt(pi *PaymentIntent, action Action, attempt string) error {
	if err := guard(pi, action); err != nil {
		return err
	}
	if pi.Pending == nil || pi.Pending.Attempt != attempt {
		return &Error{Code: CodeStaleAttempt, Intent: pi,
			Message: "This payment attempt is no longer pending: the PaymentIntent has moved on."}
	}
	return nil
}

// Open records that the customer opened the redirect, which starts the
// approval window. Opening twice changes nothing.
func Open(pi *PaymentIntent, attempt string, now time.Time) error {
	if err := checkAttempt(pi, ActionOpen, attempt); err != nil {
		return err
	}
	if !pi.Pending.OpenedAt.IsZero() {
		return nil
	}
	method, _ := methods.Lookup(pi.Pending.Method)
	pi.Pending.OpenedAt = now
	if method.ApproveWindow > 0 {
		pi.Pending.ApproveBy = now.Add(method.ApproveWindow)
	}
	return nil
}

// ChooseBank records the virtual account the customer will transfer to.
func ChooseBank(pi *PaymentIntent, attempt string, va VirtualAccount) error {
	if err := checkAttempt(pi, ActionOpen, attempt); err != nil {
		return err
	}
	switch {
	case pi.Pending.VirtualAccount == nil:
		return invalid(CodeParameterInvalid, "bank", "This payment does not use a virtual account.")
	case pi.Pending.VirtualAccount.Bank != "":
		return invalid(CodeParameterInvalid, "bank", "A virtual account at %s was already issued for this payment.", pi.Pending.VirtualAccount.Bank)
	}
	va.ExpiresAt = pi.Pending.VirtualAccount.ExpiresAt
	pi.Pending.VirtualAccount = &va
	return nil
}

// IdentifyPayer records the wallet user (a phone number) who will approve.
func IdentifyPayer(pi *PaymentIntent, attempt, phone string) error {
	if err := checkAttempt(pi, ActionOpen, attempt); err != nil {
		return err
	}
	if pi.Pending.Phone != "" {
		return invalid(CodeParameterInvalid, "phone", "The payer was already identified for this payment.")
	}
	pi.Pending.Phone = phone
	return nil
}

// Authorize records the customer's approval: a succeeded charge, and the
// intent succeeded (or requires_capture for manual capture). A captured
// charge is booked in the balance.
func Authorize(pi *PaymentIntent, attempt string, ch *Charge, books *Books, now time.Time) ([]Event, error) {
	if err := checkAttempt(pi, ActionAuthorize, attempt); err != nil {
		return nil, err
	}
	fillCharge(pi, ch, now)
	ch.Status = ChargeSucceeded
	if !pi.ManualCapture() {
		ch.Captured = true
		ch.AmountCaptured = ch.Amount
		if err := books.capture(ch, now); err != nil {
			return nil, err
		}
	}
	pi.Pending = nil
	pi.LatestChargeID = ch.ID
	if pi.ManualCapture() {
		pi.Status = RequiresCapture
		pi.AmountCapturable = pi.Amount
		return []Event{chargeEvent(EventChargeSucceeded, ch), intentEvent(EventIntentCapturableUpdated, pi)}, nil
	}
	pi.Status = Succeeded
	pi.AmountReceived = pi.Amount
	return []Event{chargeEvent(EventChargeSucceeded, ch), intentEvent(EventIntentSucceeded, pi)}, nil
}

// Decline records a failed attempt (rejected, wrong TAN, canceled at the
// bank): a failed charge and the intent back at requires_payment_method
// with last_payment_error.
func Decline(pi *PaymentIntent, attempt string, ch *Charge, reason string, now time.Time) ([]Event, error) {
	if err := checkAttempt(pi, ActionDecline, attempt); err != nil {
		return nil, err
	}
	if reason == "" {
		reason = "The customer did not authorize the payment."
	}
	return fail(pi, ch, CodeAuthFailure, reason, false, now), nil
}

// Abandon records that the customer canceled the attempt at the bank or
// wallet: in Stripe's dialect a decline like the others, but marked
// (PaymentError.CustomerCanceled) for adapters that tell the two apart,
// such as Shopware's cancel.
func Abandon(pi *PaymentIntent, attempt string, ch *Charge, reason string, now time.Time) ([]Event, error) {
	if err := checkAttempt(pi, ActionDecline, attempt); err != nil {
		return nil, err
	}
	if reason == "" {
		reason = "The customer canceled the payment."
	}
	return fail(pi, ch, CodeAuthFailure, reason, true, now), nil
}

// Expire ends an attempt whose window or virtual account ran out.
func Expire(pi *PaymentIntent, attempt string, ch *Charge, now time.Time) ([]Event, error) {
	if err := checkAttempt(pi, ActionExpire, attempt); err != nil {
		return nil, err
	}
	return fail(pi, ch, CodeAttemptExpired, expiryMessage(pi.Pending), false, now), nil
}

func expiryMessage(a *Pending) string {
	switch {
	case a.VirtualAccount != nil:
		return "The virtual account expired before the transfer arrived."
	case !a.OpenBy.IsZero() && a.OpenedAt.IsZero():
		return "The customer did not open the payment page in time."
	case !a.ApproveBy.IsZero():
		return "The customer did not approve the payment in time."
	}
	return "The payment attempt expired before the customer completed it."
}

func fail(pi *PaymentIntent, ch *Charge, code, message string, canceled bool, now time.Time) []Event {
	fillCharge(pi, ch, now)
	ch.Status = ChargeFailed
	ch.FailureCode = code
	ch.FailureMessage = message
	pi.LastPaymentError = &PaymentError{
		Type: "invalid_request_error", Code: code, Message: message,
		PaymentMethodID: pi.PaymentMethodID, ChargeID: ch.ID, CustomerCanceled: canceled,
	}
	// Stripe detaches the failed method so the customer chooses again.
	pi.PaymentMethodID = ""
	pi.Pending = nil
	pi.LatestChargeID = ch.ID
	pi.Status = RequiresPaymentMethod
	return []Event{chargeEvent(EventChargeFailed, ch), intentEvent(EventIntentPaymentFailed, pi)}
}

func fillCharge(pi *PaymentIntent, ch *Charge, now time.Time) {
	ch.AccountID = pi.AccountID
	ch.PaymentIntentID = pi.ID
	ch.PaymentMethodID = pi.PaymentMethodID
	ch.Method = pi.Pending.Method
	ch.Amount = pi.Amount
	ch.Currency = pi.Currency
	ch.Description = pi.Description
	ch.Metadata = cloneMap(pi.Metadata)
	ch.Created = now
	if va := pi.Pending.VirtualAccount; va != nil {
		ch.Bank = va.Bank
	}
	if pi.Pending.Method == methods.Vipps {
		ch.Reference = pi.VippsReference
		if ch.Reference == "" {
			ch.Reference = pi.ID
		}
	}
}

// Cancellation reasons a merchant may give.
var cancellationReasons = []string{"duplicate", "fraudulent", "requested_by_customer", "abandoned"}

// Cancel cancels the intent; an authorized, uncaptured charge is released.
// latest is the intent's latest charge, nil if none.
func Cancel(pi *PaymentIntent, latest *Charge, reason string, now time.Time) ([]Event, error) {
	if err := guard(pi, ActionCancel); err != nil {
		return nil, err
	}
	if reason != "" && !slices.Contains(cancellationReasons, reason) {
		return nil, invalid(CodeParameterInvalid, "cancellation_reason",
			"Invalid cancellation_reason: must be one of %s.", strings.Join(cancellationReasons, ", "))
	}
	if pi.Status == RequiresCapture && latest != nil {
		// Nothing was captured, so nothing moves in the balance: the
		// authorization is released, which Stripe shows as refunded.
		latest.AmountRefunded = latest.Amount
	}
	pi.Status = Canceled
	pi.AmountCapturable = 0
	pi.Pending = nil
	pi.CanceledAt = now
	pi.CancellationReason = reason
	return []Event{intentEvent(EventIntentCanceled, pi)}, nil
}

// Capture captures an authorized payment, all of it or less (amount nil:
// all), and books it in the balance. An uncaptured remainder is released,
// as Stripe does.
func Capture(pi *PaymentIntent, ch *Charge, amount *int64, books *Books, now time.Time) ([]Event, error) {
	if err := guard(pi, ActionCapture); err != nil {
		return nil, err
	}
	capture := pi.AmountCapturable
	if amount != nil {
		capture = *amount
	}
	switch {
	case capture < 1:
		return nil, invalid(CodeAmountTooSmall, "amount_to_capture", "The amount to capture must be at least 1.")
	case capture > pi.AmountCapturable:
		return nil, invalid(CodeAmountTooLarge, "amount_to_capture",
			"The amount to capture (%d) is greater than the amount capturable (%d).", capture, pi.AmountCapturable)
	}
	ch.Captured = true
	ch.AmountCaptured = capture
	ch.AmountRefunded = ch.Amount - capture
	if err := books.capture(ch, now); err != nil {
		return nil, err
	}
	pi.AmountReceived = capture
	pi.AmountCapturable = 0
	pi.Status = Succeeded
	return []Event{chargeEvent(EventChargeCaptured, ch), intentEvent(EventIntentSucceeded, pi)}, nil
}

// resolveTypes decides payment_method_types: the requested ones, or the
// attached method's, or every method that takes the currency; each must
// accept currency, amount and capture method.
func resolveTypes(requested []methods.Type, pm *PaymentMethod, c money.Currency, amount int64, capture string) ([]methods.Type, error) {
	if len(requested) == 0 && pm != nil {
		requested = []methods.Type{pm.Type}
	}
	explicit := len(requested) > 0
	if !explicit {
		for _, m := range methods.All() {
			if m.AcceptsCurrency(c) && (capture != CaptureManual || m.ManualCapture) {
				requested = append(requested, m.Type)
			}
		}
		if len(requested) == 0 {
			return nil, invalid(CodeParameterInvalid, "currency",
				"No payment method available for currency %s with capture_method %s.", c, capture)
		}
	}
	out := make([]methods.Type, 0, len(requested))
	for i, t := range requested {
		m, ok := methods.Lookup(t)
		if !ok {
			return nil, invalid(CodeParameterInvalid, paramIndex("payment_method_types", i, explicit),
				"The payment method type %q is invalid. Kassa supports %s.", t, strings.Join(methods.Types(), ", "))
		}
		if v := m.Check(methods.Payment{Amount: amount, Currency: c}); v != nil && v.Code != CodeParameterMissing {
			return nil, &Error{Code: v.Code, Param: v.Param, Message: v.Message}
		}
		if capture == CaptureManual && !m.ManualCapture {
			return nil, invalid(CodeParameterInvalid, "capture_method",
				"The payment method %s does not support capture_method=manual.", t)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func paramIndex(name string, i int, explicit bool) string {
	if !explicit {
		return name
	}
	return name + "[" + strconv.Itoa(i) + "]"
}

// attach sets pm as the intent's method after checking it against the
// intent's types and the method's rules (currency, amount, country).
func attach(pi *PaymentIntent, pm *PaymentMethod) error {
	if !slices.Contains(pi.PaymentMethodTypes, pm.Type) {
		return invalid(CodeInvalidMethod, "payment_method",
			"The PaymentMethod's type (%s) is not one of this PaymentIntent's payment_method_types (%s).", pm.Type, joinTypes(pi.PaymentMethodTypes))
	}
	m, _ := methods.Lookup(pm.Type)
	if v := m.Check(methods.Payment{Amount: pi.Amount, Currency: pi.Currency, Country: pm.BillingDetails.Address.Country}); v != nil {
		return &Error{Code: v.Code, Param: v.Param, Message: v.Message}
	}
	pi.PaymentMethodID = pm.ID
	return nil
}

func joinTypes(ts []methods.Type) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func checkCaptureMethod(m string) error {
	switch m {
	case CaptureAutomatic, CaptureAutomaticAsync, CaptureManual:
		return nil
	}
	return invalid(CodeParameterInvalid, "capture_method",
		"Invalid capture_method: must be one of automatic, automatic_async or manual.")
}

// Vipps order references: letters, digits, '-' and '_', at most 50.
var vippsReference = regexp.MustCompile(`^[A-Za-z0-9_-]{1,50}$`)

func checkVippsReference(ref string) error {
	if ref == "" || vippsReference.MatchString(ref) {
		return nil
	}
	return invalid(CodeParameterInvalid, "payment_method_options[vipps][reference]",
		"The Vipps reference must be 1 to 50 letters, digits, '-' or '_'.")
}

func checkReturnURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("url_invalid", "return_url", "Not a valid URL: return_url must be an absolute http or https URL.")
	}
	return nil
}
