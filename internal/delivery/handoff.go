package delivery

import (
	"sync"
	"time"

	"kassa/internal/ids"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// Handoff is a new delivery that the write owing it leased to this sender
// (Lease), with what sending it takes: the write has them in hand, so the
// sender claims and reads nothing for it.
type Handoff struct {
	Delivery *webhooks.Delivery
	Event    *store.Event
	Endpoint *webhooks.Endpoint
}

// Lease reserves room in this sender for a new delivery to endpointID that
// a write is about to insert, and the lease to insert it with: claim and
// until. The write then hands it over with Hand once its fate is known.
// ok is false when the sender is not running, is full, holds the
// endpoint's share already, or still has refused deliveries waiting in the
// outbox (see holds); the write inserts the delivery unleased and the
// outbox's poll finds it. Should this process die first, the lease
// runs out and any sender claims the delivery, as after a claim.
func (s *Sender) Lease(endpointID string) (claim string, until time.Time, ok bool) {
	if !s.holds.reserve(endpointID) {
		return "", time.Time{}, false
	}
	return ids.Random(16), s.Clock.Now().Add(s.lease()), true
}

// Hand gives the sender the deliveries a write leased, once the write's
// fate is known (store.Tx.Finally): committed ones are sent as soon as
// their endpoints' lanes allow; a write that did not commit gives their
// room back. It never blocks: the writer's caller runs it.
func (s *Sender) Hand(committed bool, hs []Handoff) {
	if !committed {
		for _, h := range hs {
			s.holds.release(h.Delivery.EndpointID)
		}
		return
	}
	s.Metrics.took(labelFromWrite, len(hs))
	s.handed.mu.Lock()
	s.handed.waiting = append(s.handed.waiting, hs...)
	s.handed.mu.Unlock()
	select {
	case s.handed.ready <- struct{}{}:
	default: // already signalled
	}
}

// handed holds what Hand gave until Run takes it.
type handed struct {
	mu      sync.Mutex
	waiting []Handoff
	ready   chan struct{} // capacity one: "something is waiting"
}

// takeHanded returns the handed deliveries as jobs, each endpoint's secret
// opened once.
func (s *Sender) takeHanded() []*job {
	s.handed.mu.Lock()
	hs := s.handed.waiting
	s.handed.waiting = nil
	s.handed.mu.Unlock()
	if len(hs) == 0 {
		return nil
	}
	type opened struct{ secret, problem string }
	secrets := map[*webhooks.Endpoint]opened{}
	now := time.Now()
	jobs := make([]*job, len(hs))
	for i, h := range hs {
		o, seen := secrets[h.Endpoint]
		if !seen {
			secret, err := s.Secret(h.Endpoint)
			o.secret = secret
			if err != nil {
				o.problem = "Kassa could not open the endpoint's signing secret: " + err.Error()
			}
			secrets[h.Endpoint] = o
		}
		jobs[i] = &job{delivery: h.Delivery, event: h.Event, endpoint: h.Endpoint, secret: o.secret, problem: o.problem, ready: now}
	}
	return jobs
}

// holds counts the deliveries a sender holds (claimed, handed over, or
// reserved by a write in progress) in all and per endpoint, within its
// Concurrency and each endpoint's share of claimedPerRequest×PerEndpoint.
//
// Once a lease is refused for want of room, the refused delivery waits in
// the outbox; leasing newer ones as room frees would let them overtake it
// for as long as the load lasts. So a refusal for the endpoint's share
// stops leasing for that endpoint, and one for the sender's Concurrency
// stops it for all (spilled), until the outbox has nothing due left for
// them; the sender claims from it meanwhile. One endpoint that hangs thus
// keeps only its own deliveries on the outbox's path.
type holds struct {
	mu         sync.Mutex
	running    bool
	full       bool            // a lease was refused for the sender's Concurrency
	spilled    map[string]bool // endpoints a lease was refused for their share
	total      int
	limit      int
	share      int
	byEndpoint map[string]int
	// before is, for a claim in progress, what the sender held of each
	// spilled endpoint when it began.
	before map[string]int
}

func newHolds(cfg Config) *holds {
	return &holds{limit: cfg.Concurrency, share: claimedPerRequest * cfg.PerEndpoint,
		byEndpoint: map[string]int{}, spilled: map[string]bool{}, before: map[string]int{}}
}

func (h *holds) setRunning(running bool) {
	h.mu.Lock()
	h.running = running
	h.mu.Unlock()
}

// reserve takes room for one delivery to endpointID, if the sender runs,
// neither it nor the endpoint has spilled, and neither it nor the
// endpoint's share is full.
func (h *holds) reserve(endpointID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.running || h.full || h.spilled[endpointID] {
		return false
	}
	if h.total >= h.limit {
		h.full = true
		return false
	}
	if h.byEndpoint[endpointID] >= h.share {
		h.spilled[endpointID] = true
		return false
	}
	h.total++
	h.byEndpoint[endpointID]++
	return true
}

// isSpilled says whether deliveries wait in the outbox because a lease was
// refused; drained says none does any more.
func (h *holds) isSpilled() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.full || len(h.spilled) > 0
}

func (h *holds) drained() {
	h.mu.Lock()
	h.full = false
	clear(h.spilled)
	h.mu.Unlock()
}

// room is how many more deliveries a claim may take. Writes may lease
// while the claim runs; what both took can pass Concurrency by as many as
// lease meanwhile, and no lease is granted until it is below again.
func (h *holds) room() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.before) // one map, reused by every claim
	for endpointID := range h.spilled {
		h.before[endpointID] = h.byEndpoint[endpointID]
	}
	return max(0, h.limit-h.total)
}

// claimed counts what a claim of up to room deliveries got. Where it got
// fewer than room, nothing claimable was left: the sender is no longer
// full, and a spilled endpoint that got fewer than its share's free
// places has nothing due left in the outbox.
func (h *holds) claimed(room int, ds []*webhooks.Delivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	got := map[string]int{}
	for _, d := range ds {
		h.total++
		h.byEndpoint[d.EndpointID]++
		got[d.EndpointID]++
	}
	if len(ds) >= room {
		return
	}
	h.full = false
	for endpointID, held := range h.before {
		if got[endpointID] < h.share-held {
			delete(h.spilled, endpointID)
		}
	}
}

// release gives back one delivery's room.
func (h *holds) release(endpointID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.total--
	if h.byEndpoint[endpointID]--; h.byEndpoint[endpointID] <= 0 {
		delete(h.byEndpoint, endpointID) // endpoints come and go
	}
}

// held is how many deliveries the sender holds (for tests).
func (h *holds) held() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}
