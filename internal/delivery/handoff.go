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
// ok is false when the sender is not running, is full, or holds the
// endpoint's share already; the write inserts the delivery unleased and
// the outbox's poll finds it. Should this process die first, the lease
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

// take returns the handed deliveries as jobs, each endpoint's secret
// opened once.
func (s *Sender) takeHanded() []*job {
	s.handed.mu.Lock()
	hs := s.handed.waiting
	s.handed.waiting = nil
	s.handed.mu.Unlock()
	if len(hs) == 0 {
		return nil
	}
	s.Metrics.took(labelFromWrite, len(hs))
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
// for as long as the load lasts. So leasing stops (spilled) until the
// outbox has nothing due left, and the sender claims from it meanwhile.
type holds struct {
	mu         sync.Mutex
	running    bool
	spilled    bool
	total      int
	limit      int
	share      int
	byEndpoint map[string]int
}

func newHolds(cfg Config) *holds {
	return &holds{limit: cfg.Concurrency, share: claimedPerRequest * cfg.PerEndpoint, byEndpoint: map[string]int{}}
}

func (h *holds) setRunning(running bool) {
	h.mu.Lock()
	h.running = running
	h.mu.Unlock()
}

// reserve takes room for one delivery to endpointID, if the sender runs,
// has not spilled, and neither it nor the endpoint's share is full.
func (h *holds) reserve(endpointID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.running || h.spilled {
		return false
	}
	if h.total >= h.limit || h.byEndpoint[endpointID] >= h.share {
		h.spilled = true
		return false
	}
	h.total++
	h.byEndpoint[endpointID]++
	return true
}

// isSpilled says whether deliveries wait in the outbox because a lease was
// refused; drained says they do no longer.
func (h *holds) isSpilled() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.spilled
}

func (h *holds) drained() {
	h.mu.Lock()
	h.spilled = false
	h.mu.Unlock()
}

// room takes whatever room is free, for a claim; claimed then counts what
// the claim got and gives the rest back. Taken inside the claim's write,
// so writes that lease meanwhile find the sender full only while the
// claim's statement runs.
func (h *holds) room() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	free := max(0, h.limit-h.total)
	h.total += free
	return free
}

func (h *holds) claimed(taken int, ds []*webhooks.Delivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.total -= taken - len(ds)
	for _, d := range ds {
		h.byEndpoint[d.EndpointID]++
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
