package loadgen

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WebhookEvents names, for each operation that changes an object, the one
// event it causes that the receiver measures, and whose data.object.id is
// the id Config.Succeeded reports.
var WebhookEvents = map[Op]string{
	OpCreateConfirm: "payment_intent.requires_action",
	OpComplete:      "payment_intent.succeeded",
	OpRefund:        "refund.created",
}

// signatureTolerance is how old a signature's timestamp may be, as
// Stripe's libraries allow by default.
const signatureTolerance = 5 * time.Minute

// WebhookResult is what the receiver saw. Lag runs from the moment the
// generator got the 2xx of the request that caused an event to the moment
// the event arrived (an event's own created is whole seconds, too coarse);
// an event that came before its response counts as lag 0 and in Early.
type WebhookResult struct {
	Expected      int     `json:"expected"`
	Delivered     int     `json:"delivered"`
	Undelivered   int     `json:"undelivered"`
	Early         int     `json:"early"`          // arrived before the response that caused it
	Duplicates    int     `json:"duplicates"`     // the same event again (a retry)
	Unexpected    int     `json:"unexpected"`     // signed, but caused by no request of this run
	BadSignatures int     `json:"bad_signatures"` // refused with 400
	P50           float64 `json:"lag_p50_ms"`
	P90           float64 `json:"lag_p90_ms"`
	P99           float64 `json:"lag_p99_ms"`
	Max           float64 `json:"lag_max_ms"`
	// Timeline is the lag by the second (of the run) its cause was answered.
	Timeline []Second `json:"timeline"`
	lags     []time.Duration
}

// Lags returns the sorted lags (after Result).
func (w *WebhookResult) Lags() []time.Duration { return w.lags }

// A cause (an event type and the id of the object a request changed) and
// an event id are kept as 64-bit hashes, and times as Unix nanoseconds.
// The maps then hold no pointers, so the garbage collector never scans
// them: a long run keeps millions of entries, which would otherwise be
// scanned on every cycle, on the cores the measured server shares. Two of
// a run's few million values sharing a hash is a chance of about one in
// a few million.
type cause uint64

func causeOf(event, id string) cause { return cause(hash64(event, id)) }

func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// Receiver is a webhook endpoint that checks signatures and matches each
// event to the request that caused it.
type Receiver struct {
	secret string
	now    func() time.Time

	mu         sync.Mutex
	responded  map[cause]int64 // when the causing request's 2xx arrived
	received   map[cause]int64 // first arrival of each event
	eventIDs   map[uint64]struct{}
	duplicates int
	unexpected int
	badSigs    int
	changed    chan struct{}
}

// NewReceiver returns a receiver for deliveries signed with secret.
func NewReceiver(secret string) *Receiver {
	return &Receiver{secret: secret, now: time.Now, responded: map[cause]int64{},
		received: map[cause]int64{}, eventIDs: map[uint64]struct{}{}, changed: make(chan struct{}, 1)}
}

// Succeeded records a request's 2xx; it fits Config.Succeeded.
func (r *Receiver) Succeeded(op Op, id string, at time.Time) {
	event, ok := WebhookEvents[op]
	if !ok {
		return
	}
	r.mu.Lock()
	r.responded[causeOf(event, id)] = at.UnixNano()
	r.mu.Unlock()
}

// ServeHTTP accepts one delivery: 200 if its signature holds, else 400.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := r.now()
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil || !validSignature(r.secret, req.Header.Get("Stripe-Signature"), body, at) {
		r.mu.Lock()
		r.badSigs++
		r.mu.Unlock()
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	eventID, eventType, objectID, err := eventFields(body)
	if err != nil {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	c, id := causeOf(eventType, objectID), hash64(eventID)
	r.mu.Lock()
	_, seenCause := r.received[c]
	_, seenID := r.eventIDs[id]
	if seenCause || seenID {
		r.duplicates++
	} else {
		r.eventIDs[id] = struct{}{}
		r.received[c] = at.UnixNano()
	}
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusOK)
}

// Wait returns once every request's event has arrived, or ctx ends.
func (r *Receiver) Wait(ctx context.Context) {
	for {
		r.mu.Lock()
		missing := 0
		for c := range r.responded {
			if _, ok := r.received[c]; !ok {
				missing++
			}
		}
		r.mu.Unlock()
		if missing == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-r.changed:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Result matches what arrived against what was caused; started is when
// the run began, for the timeline.
func (r *Receiver) Result(started time.Time) *WebhookResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := &WebhookResult{Expected: len(r.responded), Duplicates: r.duplicates, BadSignatures: r.badSigs}
	tl := newTimeline()
	for c, responded := range r.responded {
		got, ok := r.received[c]
		if !ok {
			res.Undelivered++
			continue
		}
		lag := time.Duration(got - responded)
		if lag < 0 {
			res.Early++
			lag = 0
		}
		res.lags = append(res.lags, lag)
		tl.add(max(0, time.Duration(responded-started.UnixNano())), lag, false)
	}
	res.Timeline = tl.seconds()
	for c := range r.received {
		if _, ok := r.responded[c]; !ok {
			res.Unexpected++
		}
	}
	res.Delivered = len(res.lags)
	if len(res.lags) > 0 {
		sortDurations(res.lags)
		res.P50, res.P90, res.P99 = ms(quantile(res.lags, 0.5)), ms(quantile(res.lags, 0.9)), ms(quantile(res.lags, 0.99))
		res.Max = ms(res.lags[len(res.lags)-1])
	}
	return res
}

// validSignature checks a Stripe-Signature header, "t=<unix>,v1=<hex>[,v1=…]":
// some v1 must be the HMAC-SHA256 of "<t>.<body>" keyed with the secret,
// and t no further than the tolerance from now.
func validSignature(secret, header string, body []byte, now time.Time) bool {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(unix, 0)); d > signatureTolerance || d < -signatureTolerance {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return true
		}
	}
	return false
}
