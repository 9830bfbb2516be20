// Package delivery sends the webhook outbox: it leases due deliveries from
// the store, posts each event signed to its endpoint, and records what
// happened, retrying on the schedule of package webhooks. Deliveries are
// at least once: a crash between a receiver's answer and the record of it
// sends the event again once the lease runs out.
package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"kassa/internal/clock"
	"kassa/internal/ids"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// Defaults of Config.
const (
	DefaultConcurrency = 512
	DefaultPerEndpoint = 32
	// MaxPerEndpoint lets one endpoint's requests and those claimed to
	// follow them fill the default Concurrency, no more.
	MaxPerEndpoint = DefaultConcurrency / claimedPerRequest
)

// maxLaneWait is how long a claimed delivery may wait in its endpoint's
// lane for a request ahead of it to end. One that waited longer is not
// sent but left for its lease to run out, so a lease need only cover this
// wait and one request, however slow the endpoint.
const maxLaneWait = 5 * time.Second

// claimedPerRequest is how many of an endpoint's deliveries a sender may
// hold per request it lets run there: the one in flight and three to send
// after it. One would bridge the store write that records an answer on an
// idle machine; on a loaded two-core one, at 1,500 events/s to one local
// endpoint, three kept lag p99 at 0.3–1.2 s where one let it reach 2–10 s
// (docs/benchmarks-history.md).
const claimedPerRequest = 4

// Config tunes the sender; zero values take the defaults.
type Config struct {
	// Timeout bounds one request, connection included (default 10s).
	Timeout time.Duration
	// PerEndpoint bounds this sender's requests in flight to one endpoint
	// (default 32). It holds up to three times as many more of the
	// endpoint's deliveries to send next, so a finished request is
	// followed at once instead of after the store write that records its
	// answer (which would otherwise bound an endpoint to PerEndpoint
	// deliveries per write). Across instances sharing a database, claims
	// keep an endpoint's leased deliveries within 4×PerEndpoint, but each
	// instance's writes lease their new deliveries within its own share:
	// n instances hold at most n×4×PerEndpoint of an endpoint's deliveries
	// and send at most n×PerEndpoint at once.
	PerEndpoint int
	// Concurrency bounds the deliveries a sender holds, in flight or next
	// (default 512). A hanging endpoint holds at most 4×PerEndpoint of
	// them, those waiting behind its requests for at most maxLaneWait: at
	// the defaults it takes four to leave no room for others.
	Concurrency int
	// PollInterval is how often the outbox is checked when idle (default 50ms).
	PollInterval time.Duration
	// MaxResponseBytes of a receiver's answer are read, the rest dropped (default 64 KiB).
	MaxResponseBytes int64
	// ForbidPrivateAddresses refuses to connect to loopback, private,
	// link-local and similar addresses (multi-tenant deployments). It is
	// checked on the address actually dialled, after DNS resolution, so a
	// name that resolves elsewhere later (DNS rebinding) is caught too.
	ForbidPrivateAddresses bool
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.PerEndpoint == 0 {
		c.PerEndpoint = DefaultPerEndpoint
	}
	if c.PollInterval == 0 {
		c.PollInterval = 50 * time.Millisecond
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = 64 << 10
	}
	return c
}

// Sender sends deliveries.
type Sender struct {
	Store store.Store
	// Clock schedules retries and judges leases (movable in tests).
	Clock clock.Clock
	// Secret opens an endpoint's signing secret.
	Secret func(*webhooks.Endpoint) (string, error)
	// Render is the event's wire JSON, exactly as the API shows it.
	Render  func(*store.Event) ([]byte, error)
	Metrics *Metrics
	Logger  *slog.Logger

	cfg    Config
	client *http.Client
	// Jitter returns a uniform number in [0, 1) for retry jitter.
	jitter func() float64
	// laneWait is maxLaneWait (shorter in tests).
	laneWait time.Duration
	holds    *holds
	handed   handed
}

// New makes a sender; set its exported fields before Run.
func New(cfg Config) *Sender {
	cfg = cfg.withDefaults()
	s := &Sender{cfg: cfg, jitter: rand.Float64, Logger: slog.Default(), laneWait: maxLaneWait, holds: newHolds(cfg)}
	s.handed.ready = make(chan struct{}, 1)
	s.client = NewClient(cfg)
	return s
}

// NewClient is the HTTP client Kassa calls merchants' servers with
// (webhooks, Paygate notifies, Shopware pushes): cfg's timeout, no proxy, no redirects,
// and with ForbidPrivateAddresses no connection to a local address.
func NewClient(cfg Config) *http.Client {
	cfg = cfg.withDefaults()
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	if cfg.ForbidPrivateAddresses {
		dialer.Control = forbidPrivate
	}
	return &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			Proxy:                 nil, // the dialled address must be the receiver's, for the check above
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   cfg.Timeout,
			ResponseHeaderTimeout: cfg.Timeout,
			MaxIdleConns:          cfg.Concurrency,
			MaxIdleConnsPerHost:   cfg.PerEndpoint,
			IdleConnTimeout:       90 * time.Second,
		},
		// Stripe does not follow redirects: a 3xx is a failed attempt.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ErrForbiddenAddress: the endpoint resolved to an address the
// deployment forbids.
var ErrForbiddenAddress = errors.New("delivery: the endpoint's address is private or local, which this Kassa forbids")

func forbidPrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || webhooks.ForbiddenIP(ip) {
		return fmt.Errorf("%w (%s)", ErrForbiddenAddress, host)
	}
	return nil
}

// Run sends deliveries until ctx ends. Any number of senders, in one
// process or many sharing a database, may run: leases keep them apart.
//
// New deliveries mostly come from the writes that owe them, leased to
// this sender at insert and handed over once committed (Lease, Hand).
// The rest (retries, deliveries owed while this sender was full, those of
// a process that died) come from the outbox: one loop talks to the store,
// and each of its writes records the outcomes that came in since the last
// one and, while it finds work or when the poll interval has passed,
// claims as many due deliveries as there is room for. So a delivery costs
// one write, not two, and the writes batch themselves (outcomes pile up
// while a write commits). Every delivery waits in its endpoint's lane;
// whoever finishes a request takes the next one of the same endpoint,
// without waiting for the loop.
func (s *Sender) Run(ctx context.Context) {
	// A held delivery's room is given back when its attempt ends, before
	// the loop takes its outcome: twice the room seldom leaves a send
	// waiting for the loop.
	finished := make(chan webhooks.Outcome, 2*s.cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	s.holds.setRunning(true)
	defer s.holds.setRunning(false)
	ticker := time.NewTicker(s.cfg.PollInterval)
	defer ticker.Stop()
	lanes := newLanes(s.cfg.PerEndpoint)
	send := func(j *job) {
		defer wg.Done()
		for ; j != nil; j = lanes.next(j.delivery.EndpointID) {
			if time.Since(j.ready) > s.laneWait {
				s.holds.release(j.delivery.EndpointID)
				continue // too late for its lease: left to run out
			}
			o, ok := s.attempt(ctx, j)
			if !ok {
				return
			}
			s.holds.release(j.delivery.EndpointID)
			finished <- o
		}
	}
	start := func(jobs []*job) {
		for _, j := range lanes.add(jobs) {
			wg.Add(1)
			go send(j)
		}
	}
	busy, polled := false, true
	var batch []webhooks.Outcome
	for {
		batch = drain(finished, batch)
		claimed, err := s.exchange(ctx, batch, busy || polled || s.holds.isSpilled(), busy)
		if err != nil && ctx.Err() == nil {
			// Unrecorded attempts are made again once their leases run out.
			s.Logger.Error("recording and claiming webhook deliveries", "error", err)
		}
		batch, busy, polled = batch[:0], len(claimed) > 0, false
		start(s.prepare(ctx, claimed))
	wait:
		select {
		case <-ctx.Done():
			return
		case o := <-finished:
			batch = append(batch, o)
		case <-s.handed.ready:
			start(s.takeHanded())
			goto wait // nothing to record or claim for them
		case <-ticker.C:
			polled = true
		}
	}
}

// drain appends the outcomes waiting in ch to batch, without blocking.
func drain(ch <-chan webhooks.Outcome, batch []webhooks.Outcome) []webhooks.Outcome {
	for {
		select {
		case o := <-ch:
			batch = append(batch, o)
		default:
			return batch
		}
	}
}

// exchange records outcomes and, with claim, leases as many due
// deliveries as there is room for, in one write. Unless busy (the last
// claim found work), it first asks the read pool whether anything is due,
// so an idle sender does not take the single writer every poll.
func (s *Sender) exchange(ctx context.Context, outcomes []webhooks.Outcome, claim, busy bool) ([]*webhooks.Delivery, error) {
	if len(outcomes) == 0 && !claim {
		return nil, nil
	}
	now := s.Clock.Now()
	if len(outcomes) == 0 && !busy {
		if due, err := s.due(ctx, now); err != nil || !due {
			return nil, err
		}
	}
	var claimed []*webhooks.Delivery
	err := s.Store.Write(ctx, func(tx store.Tx) error {
		claimed = nil // a retried transaction starts over
		if len(outcomes) > 0 {
			if _, err := tx.RecordOutcomes(ctx, outcomes); err != nil {
				return err
			}
		}
		if !claim {
			return nil
		}
		room := s.holds.room()
		if room == 0 {
			return nil
		}
		got, err := tx.ClaimDeliveries(ctx, store.Claim{
			Claim: ids.Random(16), Now: now, LeaseUntil: now.Add(s.lease()),
			Limit: room, PerEndpoint: claimedPerRequest * s.cfg.PerEndpoint,
		})
		if err != nil {
			return err
		}
		s.holds.claimed(room, got)
		tx.Finally(func(committed bool) {
			if !committed {
				for _, d := range got {
					s.holds.release(d.EndpointID)
				}
			}
		})
		claimed = got
		return nil
	})
	if err != nil {
		return nil, err
	}
	if claim && len(claimed) == 0 && s.holds.isSpilled() {
		// Nothing claimable: unless the endpoints' shares are what held
		// it back, the outbox is drained (due notes it). A failed read
		// leaves the spill for the next one.
		_, _ = s.due(ctx, now)
	}
	s.Metrics.took(labelFromOutbox, len(claimed))
	if s.Metrics != nil {
		for _, o := range outcomes {
			s.Metrics.count(o)
		}
	}
	return claimed, nil
}

// due asks the read pool whether the outbox has deliveries due at now and
// not leased. When it has none, writes may lease new deliveries again
// after a refusal: none they lease can overtake one that waits there.
func (s *Sender) due(ctx context.Context, now time.Time) (bool, error) {
	var due bool
	err := s.Store.Read(ctx, func(r store.Reader) error {
		var err error
		due, err = r.DeliveryDue(ctx, now)
		return err
	})
	if err == nil && !due {
		s.holds.drained()
	}
	return due, err
}

// lease outlasts a delivery's longest wait in its lane and its own
// request, by a margin, so a live sender's lease never runs out under it;
// a dead sender's runs out that long after it died.
func (s *Sender) lease() time.Duration { return s.laneWait + s.cfg.Timeout + 5*time.Second }

// job is a claimed delivery with what sending it takes.
type job struct {
	delivery *webhooks.Delivery
	event    *store.Event
	endpoint *webhooks.Endpoint
	secret   string
	problem  string    // why it cannot be sent; empty when it can
	ready    time.Time // when it entered its lane (the machine's clock: it bounds real waits)
}

// prepare loads the claimed deliveries' events and endpoints in one read
// transaction, each endpoint once, and opens each endpoint's secret once.
// It returns nil if ctx ended (the leases will run out instead).
func (s *Sender) prepare(ctx context.Context, claimed []*webhooks.Delivery) []*job {
	jobs := make([]*job, len(claimed))
	for i, d := range claimed {
		jobs[i] = &job{delivery: d, ready: time.Now()}
	}
	type opened struct {
		endpoint *webhooks.Endpoint
		secret   string
		problem  string
	}
	endpoints := map[string]opened{} // by endpoint id
	err := s.Store.Read(ctx, func(r store.Reader) error {
		for _, j := range jobs {
			d := j.delivery
			ep, seen := endpoints[d.EndpointID]
			if !seen {
				e, err := r.WebhookEndpoint(ctx, d.AccountID, d.EndpointID)
				switch {
				case errors.Is(err, store.ErrNotFound):
					ep.problem = "the endpoint no longer exists" // a deleted endpoint's deliveries are canceled anyway
				case err != nil:
					return err
				default:
					ep.endpoint = e
					if ep.secret, err = s.Secret(e); err != nil {
						ep.problem = "Kassa could not open the endpoint's signing secret: " + err.Error()
					}
				}
				endpoints[d.EndpointID] = ep
			}
			j.endpoint, j.secret, j.problem = ep.endpoint, ep.secret, ep.problem
			if j.problem != "" {
				continue
			}
			e, err := r.Event(ctx, d.AccountID, d.EventID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				j.problem = "the event no longer exists"
			case err != nil:
				return err
			}
			j.event = e
		}
		return nil
	})
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		for _, j := range jobs {
			if j.problem == "" && j.event == nil {
				j.problem = "Kassa could not load the delivery: " + err.Error()
			}
		}
	}
	return jobs
}

// attempt sends one delivery and concludes it; ok is false when there is
// nothing to record (shutting down: the lease will run out instead).
func (s *Sender) attempt(ctx context.Context, j *job) (webhooks.Outcome, bool) {
	a := webhooks.Attempt{At: s.Clock.Now(), Error: j.problem}
	if s.Metrics != nil {
		s.Metrics.lag.Observe(a.At.Sub(j.delivery.NextAttemptAt).Seconds())
	}
	if j.problem == "" {
		a.StatusCode, a.Latency, a.Error = s.post(ctx, j.endpoint, j.secret, j.event)
		if ctx.Err() != nil {
			return webhooks.Outcome{}, false
		}
	}
	return webhooks.Conclude(*j.delivery, a, s.jitter()), true
}

// post sends the signed event and reports the answer.
func (s *Sender) post(ctx context.Context, e *webhooks.Endpoint, secret string, event *store.Event) (status int, latency time.Duration, problem string) {
	body, err := s.Render(event)
	if err != nil {
		return 0, 0, "Kassa could not render the event: " + err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Kassa/1.0 (+webhooks)")
	start := time.Now()
	// The signature's timestamp is the wall clock's: receivers check it
	// against theirs to refuse replays.
	req.Header.Set(webhooks.SignatureHeader, webhooks.Sign(secret, start, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, time.Since(start), err.Error()
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, s.cfg.MaxResponseBytes))
	latency = time.Since(start)
	switch {
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return resp.StatusCode, latency, "the endpoint answered HTTP " + resp.Status
	case err != nil:
		// Acknowledged with 2xx; a broken body after it does not matter.
		return resp.StatusCode, latency, ""
	}
	return resp.StatusCode, latency, ""
}
