package payments

// Event types the payments domain emits.
const (
	EventIntentCreated           = "payment_intent.created"
	EventIntentRequiresAction    = "payment_intent.requires_action"
	EventIntentProcessing        = "payment_intent.processing"
	EventIntentSucceeded         = "payment_intent.succeeded"
	EventIntentPaymentFailed     = "payment_intent.payment_failed"
	EventIntentCanceled          = "payment_intent.canceled"
	EventIntentCapturableUpdated = "payment_intent.amount_capturable_updated"
	EventChargeSucceeded         = "charge.succeeded"
	EventChargeFailed            = "charge.failed"
	EventChargeCaptured          = "charge.captured"
	EventPaymentMethodCreated    = "payment_method.created"
)

// Event is a fact a change emits, with a snapshot of the object it concerns
// (a *PaymentIntent, *Charge or *PaymentMethod) taken at that moment.
type Event struct {
	Type   string
	Object any
}

func intentEvent(typ string, pi *PaymentIntent) Event { return Event{Type: typ, Object: pi.Clone()} }
func chargeEvent(typ string, ch *Charge) Event        { return Event{Type: typ, Object: ch.Clone()} }
