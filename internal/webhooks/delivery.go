package webhooks

import "time"

// Delivery statuses. A delivery is pending until an attempt succeeds, the
// retry window closes (failed), or its endpoint is deleted (canceled).
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
	DeliveryCanceled  = "canceled"
)

// Delivery is one event owed to one endpoint. It is inserted in the
// transaction that records the event, so an event is never committed
// without the deliveries it owes.
type Delivery struct {
	ID         string
	AccountID  string
	EndpointID string
	EventID    string
	Status     string
	// Attempts made so far.
	Attempts int
	// NextAttemptAt is when the delivery is due; zero once it is final.
	NextAttemptAt time.Time
	Created       time.Time
	// Claim and LeaseUntil are set while a sender holds the delivery: no
	// other sender takes it before the lease runs out.
	Claim      string
	LeaseUntil time.Time
	// History holds the attempts, oldest first, when a read asks for them.
	History []Attempt
}

// Attempt is one try at sending a delivery.
type Attempt struct {
	DeliveryID string
	Number     int
	At         time.Time
	// StatusCode is the receiver's HTTP status; 0 when none came back.
	StatusCode int
	Latency    time.Duration
	// Error says why the attempt failed ("" on success).
	Error string
}

// Succeeded reports whether the receiver acknowledged the event: any 2xx.
func (a Attempt) Succeeded() bool { return a.StatusCode >= 200 && a.StatusCode < 300 }

// Outcome is what an attempt did to its delivery.
type Outcome struct {
	DeliveryID string
	Claim      string
	Attempt    Attempt
	// Status is the delivery's status after the attempt; NextAttemptAt is
	// set when it stays pending.
	Status        string
	NextAttemptAt time.Time
}

// Conclude decides what a finished attempt means for its delivery. jitter
// is a uniform random number in [0, 1).
func Conclude(d Delivery, a Attempt, jitter float64) Outcome {
	a.DeliveryID, a.Number = d.ID, d.Attempts+1
	out := Outcome{DeliveryID: d.ID, Claim: d.Claim, Attempt: a, Status: DeliverySucceeded}
	if a.Succeeded() {
		return out
	}
	next, ok := NextAttempt(d.Created, a.At, a.Number, jitter)
	if !ok {
		out.Status = DeliveryFailed
		return out
	}
	out.Status, out.NextAttemptAt = DeliveryPending, next
	return out
}
