package api

import (
	"time"

	"kassa/internal/checkout"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Objects are rendered as maps: Stripe's JSON is a flat set of keys in
// alphabetical order, which is what encoding/json writes for a map, and a
// map makes expansion and the publishable-key subset simple.

func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func metadata(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// intentRelations are the related objects an intent's rendering may embed.
type intentRelations struct {
	// lastPaymentMethod is the method of the failed attempt, embedded in
	// last_payment_error as Stripe does.
	lastPaymentMethod *payments.PaymentMethod
}

func renderIntent(pi *payments.PaymentIntent, rel intentRelations) map[string]any {
	options := map[string]any{}
	for _, t := range pi.PaymentMethodTypes {
		switch t {
		case methods.Vipps:
			options["vipps"] = map[string]any{"reference": orNil(pi.VippsReference), "capture_method": orNil(captureOption(pi))}
		default:
			options[string(t)] = map[string]any{}
		}
	}
	return map[string]any{
		"id":                                   pi.ID,
		"object":                               "payment_intent",
		"amount":                               pi.Amount,
		"amount_capturable":                    pi.AmountCapturable,
		"amount_details":                       map[string]any{"tip": map[string]any{}},
		"amount_received":                      pi.AmountReceived,
		"application":                          nil,
		"application_fee_amount":               nil,
		"automatic_payment_methods":            nil,
		"canceled_at":                          unix(pi.CanceledAt),
		"cancellation_reason":                  orNil(pi.CancellationReason),
		"capture_method":                       pi.CaptureMethod,
		"client_secret":                        pi.ClientSecret,
		"confirmation_method":                  "automatic",
		"created":                              pi.Created.Unix(),
		"currency":                             string(pi.Currency),
		"customer":                             nil,
		"description":                          orNil(pi.Description),
		"last_payment_error":                   renderPaymentError(pi.LastPaymentError, rel.lastPaymentMethod),
		"latest_charge":                        orNil(pi.LatestChargeID),
		"livemode":                             false,
		"metadata":                             metadata(pi.Metadata),
		"next_action":                          renderNextAction(pi),
		"on_behalf_of":                         nil,
		"payment_method":                       orNil(pi.PaymentMethodID),
		"payment_method_configuration_details": nil,
		"payment_method_options":               options,
		"payment_method_types":                 pi.PaymentMethodTypes,
		"processing":                           nil,
		"receipt_email":                        orNil(pi.ReceiptEmail),
		"review":                               nil,
		"setup_future_usage":                   orNil(pi.SetupFutureUsage),
		"shipping":                             nil,
		"source":                               nil,
		"statement_descriptor":                 orNil(pi.StatementDescriptor),
		"statement_descriptor_suffix":          nil,
		"status":                               string(pi.Status),
		"transfer_data":                        nil,
		"transfer_group":                       nil,
	}
}

func captureOption(pi *payments.PaymentIntent) string {
	if pi.ManualCapture() {
		return payments.CaptureManual
	}
	return ""
}

// publicIntentFields are what Stripe returns to a publishable key.
var publicIntentFields = []string{
	"id", "object", "amount", "amount_details", "automatic_payment_methods", "canceled_at", "cancellation_reason",
	"capture_method", "client_secret", "confirmation_method", "created", "currency", "description",
	"last_payment_error", "livemode", "next_action", "payment_method", "payment_method_configuration_details",
	"payment_method_types", "processing", "receipt_email", "setup_future_usage", "shipping", "source", "status",
}

func publicIntent(full map[string]any) map[string]any {
	out := make(map[string]any, len(publicIntentFields))
	for _, k := range publicIntentFields {
		out[k] = full[k]
	}
	return out
}

// renderNextAction gives Stripe's redirect_to_url and, beside it, the
// method-specific <type>_handle_redirect member the source documents show.
func renderNextAction(pi *payments.PaymentIntent) any {
	if pi.Status != payments.RequiresAction || pi.Pending == nil {
		return nil
	}
	p := pi.Pending
	next := map[string]any{
		"type":            "redirect_to_url",
		"redirect_to_url": map[string]any{"url": p.RedirectURL, "return_url": p.ReturnURL},
	}
	if m, ok := methods.Lookup(p.Method); ok && m.NextActionKey != "" {
		next[m.NextActionKey] = map[string]any{"url": p.RedirectURL}
	}
	return next
}

func renderPaymentError(e *payments.PaymentError, pm *payments.PaymentMethod) any {
	if e == nil {
		return nil
	}
	out := map[string]any{
		"type":    e.Type,
		"code":    e.Code,
		"message": e.Message,
		"doc_url": "https://stripe.com/docs/error-codes/" + underscoresToDashes(e.Code),
		"charge":  orNil(e.ChargeID),
	}
	if pm != nil {
		out["payment_method"] = renderPaymentMethod(pm)
	}
	return out
}

func renderAddress(a payments.Address) map[string]any {
	return map[string]any{
		"city": orNil(a.City), "country": orNil(a.Country), "line1": orNil(a.Line1),
		"line2": orNil(a.Line2), "postal_code": orNil(a.PostalCode), "state": orNil(a.State),
	}
}

func renderBilling(b payments.BillingDetails) map[string]any {
	return map[string]any{
		"address": renderAddress(b.Address), "email": orNil(b.Email), "name": orNil(b.Name), "phone": orNil(b.Phone),
	}
}

func renderPaymentMethod(pm *payments.PaymentMethod) map[string]any {
	details := map[string]any{}
	if pm.Type == methods.Sofort {
		details["country"] = orNil(pm.BillingDetails.Address.Country)
	}
	return map[string]any{
		"id":              pm.ID,
		"object":          "payment_method",
		"allow_redisplay": "unspecified",
		"billing_details": renderBilling(pm.BillingDetails),
		"created":         pm.Created.Unix(),
		"customer":        nil,
		"livemode":        false,
		"metadata":        metadata(pm.Metadata),
		"type":            string(pm.Type),
		string(pm.Type):   details,
	}
}

// renderCharge renders a charge; refunds is its embedded refunds list,
// nil for an event's snapshot (which renders without one).
func renderCharge(ch *payments.Charge, refunds *chargeRefunds) map[string]any {
	details := map[string]any{}
	switch ch.Method {
	case methods.Sofort:
		details["country"] = orNil(ch.BillingDetails.Address.Country)
	case methods.BankTransferID:
		details["bank"] = orNil(ch.Bank)
	case methods.Vipps:
		details["reference"] = orNil(ch.Reference)
	}
	outcome := map[string]any{"type": "authorized", "network_status": "approved_by_network", "seller_message": "Payment complete."}
	if ch.Status == payments.ChargeFailed {
		outcome = map[string]any{"type": "issuer_declined", "network_status": "declined_by_network", "seller_message": ch.FailureMessage}
	}
	view := map[string]any{
		"id":                  ch.ID,
		"object":              "charge",
		"amount":              ch.Amount,
		"amount_captured":     ch.AmountCaptured,
		"amount_refunded":     ch.AmountRefunded,
		"balance_transaction": orNil(ch.BalanceTransactionID),
		"billing_details":     renderBilling(ch.BillingDetails),
		"captured":            ch.Captured,
		"created":             ch.Created.Unix(),
		"currency":            string(ch.Currency),
		"customer":            nil,
		"description":         orNil(ch.Description),
		"disputed":            ch.Disputed(),
		"failure_code":        orNil(ch.FailureCode),
		"failure_message":     orNil(ch.FailureMessage),
		"livemode":            false,
		"metadata":            metadata(ch.Metadata),
		"outcome":             outcome,
		"paid":                ch.Paid(),
		"payment_intent":      ch.PaymentIntentID,
		"payment_method":      orNil(ch.PaymentMethodID),
		"payment_method_details": map[string]any{
			"type":            string(ch.Method),
			string(ch.Method): details,
		},
		"refunded": ch.Refunded(),
		"status":   ch.Status,
	}
	if refunds != nil {
		view["refunds"] = renderList("/v1/refunds?charge="+ch.ID, refunds.items, refunds.hasMore, renderRefund)
	}
	return view
}

func renderEvent(e *store.Event) map[string]any {
	var object map[string]any
	switch o := e.Object.(type) {
	case *payments.PaymentIntent:
		object = renderIntent(o, intentRelations{})
	case *payments.Charge:
		object = renderCharge(o, nil)
	case *payments.PaymentMethod:
		object = renderPaymentMethod(o)
	case *checkout.Session:
		object = renderSession(o, false)
	case *checkout.Product:
		object = renderProduct(o)
	case *checkout.Price:
		object = renderPrice(o)
	case *payments.Refund:
		object = renderRefund(o)
	case *payments.Dispute:
		// As it was then: its balance transactions' status at the event.
		object = renderDispute(o, e.Created)
	}
	var req any = map[string]any{"id": nil, "idempotency_key": nil}
	if e.RequestID != "" {
		req = map[string]any{"id": e.RequestID, "idempotency_key": orNil(e.IdempotencyKey)}
	}
	return map[string]any{
		"id":               e.ID,
		"object":           "event",
		"api_version":      e.APIVersion,
		"created":          e.Created.Unix(),
		"data":             map[string]any{"object": object},
		"livemode":         false,
		"pending_webhooks": e.PendingWebhooks,
		"request":          req,
		"type":             e.Type,
	}
}

// EventJSON is an event's wire JSON, as GET /v1/events/{id} shows it and
// webhooks deliver it.
func EventJSON(e *store.Event) ([]byte, error) { return marshalView(renderEvent(e)) }

// renderList is Stripe's list envelope around rendered items.
func renderList[T any](url string, items []T, hasMore bool, render func(T) map[string]any) map[string]any {
	data := make([]map[string]any, len(items))
	for i, it := range items {
		data[i] = render(it)
	}
	return listEnvelope(url, data, hasMore)
}
