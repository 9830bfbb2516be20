package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// A delivery leased at insert and handed over after its write committed is
// sent and recorded without a claim and without reading its event.
func TestHandedDeliveriesAreSentWithoutClaimOrRead(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- string(body)
	}))
	defer srv.Close()
	s := openStore(t)
	owe(t, s, "we_1", srv.URL, 0)
	counted := &countingStore{Store: s}
	var sender *Sender
	done := runSender(ctx, counted, 4, func(s *Sender) { sender = s })
	defer func() { cancel(); <-done }()

	waitRunning(t, sender)
	if !handOver(t, s, sender, "evt_handed") {
		t.Fatal("the running sender, holding nothing, refused a lease")
	}
	select {
	case body := <-got:
		if body != "evt_handed" {
			t.Fatalf("the receiver got %q", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handed delivery was not sent")
	}
	onlyDelivery(t, s, func(d *webhooks.Delivery) bool {
		return d.Status == webhooks.DeliverySucceeded && d.Claim == "" && len(d.History) == 1
	})
	if n := counted.claimed.Load(); n != 0 {
		t.Fatalf("%d deliveries claimed; the handed one needs no claim", n)
	}
	if n := counted.eventReads.Load(); n != 0 {
		t.Fatalf("%d events read; the handed one came with its event", n)
	}
	if n := sender.holds.held(); n != 0 {
		t.Fatalf("the sender still holds %d deliveries", n)
	}
}

// countingStore counts claimed deliveries and event reads.
type countingStore struct {
	store.Store
	claimed, eventReads atomic.Int64
}

func (c *countingStore) Read(ctx context.Context, fn func(store.Reader) error) error {
	return c.Store.Read(ctx, func(r store.Reader) error { return fn(countingReader{r, c}) })
}

func (c *countingStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	return c.Store.Write(ctx, func(tx store.Tx) error { return fn(countingTx{tx, c}) })
}

type countingReader struct {
	store.Reader
	c *countingStore
}

func (r countingReader) Event(ctx context.Context, accountID, id string) (*store.Event, error) {
	r.c.eventReads.Add(1)
	return r.Reader.Event(ctx, accountID, id)
}

type countingTx struct {
	store.Tx
	c *countingStore
}

func (t countingTx) ClaimDeliveries(ctx context.Context, c store.Claim) ([]*webhooks.Delivery, error) {
	ds, err := t.Tx.ClaimDeliveries(ctx, c)
	t.c.claimed.Add(int64(len(ds)))
	return ds, err
}

// Lease gives room only while the sender runs, within its Concurrency and
// each endpoint's share, and not after a refusal (for that endpoint, or
// for all when the sender was full) until the outbox is drained; a write
// that did not commit gives its room back.
func TestLeaseStaysWithinTheSendersRoom(t *testing.T) {
	s := New(Config{Concurrency: 6, PerEndpoint: 1}) // a share of claimedPerRequest = 4 per endpoint
	s.Clock = clock.NewManual(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	if _, _, ok := s.Lease("we_1"); ok {
		t.Fatal("a sender that does not run leased a delivery")
	}
	s.holds.setRunning(true)
	steps := []struct {
		do   string // "lease <endpoint>", "give back <endpoint>" or "drained"
		want bool
	}{
		{"lease we_1", true}, {"lease we_1", true}, {"lease we_1", true}, {"lease we_1", true},
		{"lease we_1", false}, // the endpoint's share is full
		{"lease we_2", true},  // others lease on
		{"give back we_1", true},
		{"lease we_1", false}, // room in its share, but one of its deliveries waits in the outbox
		{"lease we_2", true},
		{"lease we_3", true},
		{"lease we_4", false}, // the sender is full
		{"give back we_2", true},
		{"lease we_5", false}, // room, but deliveries wait in the outbox
		{"drained", true},
		{"lease we_5", true},
		{"lease we_1", false}, // full again
	}
	for i, step := range steps {
		got := true
		switch what, endpoint, _ := strings.Cut(step.do, " "); what {
		case "lease":
			_, _, got = s.Lease(endpoint)
		case "drained":
			s.holds.drained()
		case "give":
			s.Hand(false, []Handoff{{Delivery: &webhooks.Delivery{EndpointID: strings.TrimPrefix(endpoint, "back ")}}})
		}
		if got != step.want {
			t.Fatalf("step %d, %s: %v, want %v", i, step.do, got, step.want)
		}
	}
	if n := s.holds.held(); n != 6 {
		t.Fatalf("holds %d, want 6", n)
	}
	s.holds.setRunning(false)
	s.holds.drained()
	if _, _, ok := s.Lease("we_6"); ok {
		t.Fatal("a stopped sender leased a delivery")
	}
}

// A claim that got fewer deliveries than it had room for took everything
// claimable: the sender is no longer full, and a spilled endpoint that got
// fewer than its share's free places has nothing due left in the outbox.
func TestAClaimSaysWhatTheOutboxStillHolds(t *testing.T) {
	// we_a holds 3 of its share of 4 (one free place), we_b all 4 (none).
	tests := []struct {
		name        string
		room        int
		got         []string // endpoints of the claimed deliveries
		wantFull    bool
		wantSpilled []string
	}{
		{"all the room taken: nothing learnt", 1, []string{"we_a"}, true, []string{"we_a", "we_b"}},
		{"nothing claimed: we_a's queue is empty, we_b had no free place", 10, nil, false, []string{"we_b"}},
		{"we_a took its free place: more may wait", 10, []string{"we_a"}, false, []string{"we_a", "we_b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHolds(Config{Concurrency: 100, PerEndpoint: 1}) // a share of 4
			h.setRunning(true)
			for range 3 {
				h.reserve("we_a")
			}
			for range 4 {
				h.reserve("we_b")
			}
			h.full, h.spilled["we_a"], h.spilled["we_b"] = true, true, true
			if room := h.room(); room != 100-7 {
				t.Fatalf("room %d, want 93", room)
			}
			room := tt.room // the claim's limit, as the case says
			var ds []*webhooks.Delivery
			for _, endpointID := range tt.got {
				ds = append(ds, &webhooks.Delivery{EndpointID: endpointID})
			}
			h.claimed(room, ds)
			var spilled []string
			for _, endpointID := range []string{"we_a", "we_b"} {
				if h.spilled[endpointID] {
					spilled = append(spilled, endpointID)
				}
			}
			if h.full != tt.wantFull || fmt.Sprint(spilled) != fmt.Sprint(tt.wantSpilled) {
				t.Fatalf("full %v, spilled %v; want %v, %v", h.full, spilled, tt.wantFull, tt.wantSpilled)
			}
			if want := 7 + len(ds); h.held() != want {
				t.Fatalf("holds %d, want %d", h.held(), want)
			}
		})
	}
}

// When an endpoint's share is full, new deliveries go to the outbox and
// the sender takes them from there, oldest first; once it is drained,
// writes lease again.
func TestASpilledSenderDrainsTheOutboxThenLeasesAgain(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	got := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		<-release
		got <- string(body)
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	s := openStore(t)
	owe(t, s, "we_1", srv.URL, 0)
	var sender *Sender
	done := runSender(ctx, s, 1, func(s *Sender) { sender = s }) // a share of 4
	defer func() { cancel(); <-done }()
	waitRunning(t, sender)
	var leased []bool
	for i := range 6 {
		leased = append(leased, handOver(t, s, sender, fmt.Sprint("evt_", i)))
	}
	if fmt.Sprint(leased) != "[true true true true false false]" {
		t.Fatalf("leased %v, want the share of four, then none", leased)
	}
	close(release)
	seen := map[string]bool{}
	for len(seen) < 6 {
		select {
		case body := <-got:
			seen[body] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("received %v of six events", seen)
		}
	}
	for i, deadline := 0, time.Now().Add(5*time.Second); !handOver(t, s, sender, fmt.Sprint("evt_late_", i)); i++ {
		if time.Now().After(deadline) {
			t.Fatal("the sender never leased again after draining the outbox")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitRunning waits until s's Run has begun.
func waitRunning(t *testing.T, s *Sender) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s.holds.mu.Lock()
		running := s.holds.running
		s.holds.mu.Unlock()
		if running {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the sender did not start")
		}
	}
}

// handOver writes an event owed to we_1, leased to sender if it has room
// and handed over then, and says whether it was leased.
func handOver(t *testing.T, s store.Store, sender *Sender, eventID string) bool {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	d := &webhooks.Delivery{ID: "wd_" + eventID, AccountID: "acct_1", EndpointID: "we_1", EventID: eventID,
		Status: webhooks.DeliveryPending, NextAttemptAt: now, Created: now}
	e := &store.Event{ID: eventID, AccountID: "acct_1", Type: payments.EventRefundCreated, APIVersion: "v", Created: now,
		Object: &payments.Refund{ID: "re_1", AccountID: "acct_1", Amount: 100, Currency: "eur", Created: now}, PendingWebhooks: 1}
	var leased bool
	d.Claim, d.LeaseUntil, leased = sender.Lease("we_1")
	err := s.Write(ctx, func(tx store.Tx) error {
		if leased {
			ep, err := tx.WebhookEndpoint(ctx, "acct_1", "we_1")
			if err != nil {
				return err
			}
			tx.Finally(func(committed bool) { sender.Hand(committed, []Handoff{{Delivery: d, Event: e, Endpoint: ep}}) })
		}
		if err := tx.InsertEvents(ctx, []*store.Event{e}); err != nil {
			return err
		}
		return tx.InsertDeliveries(ctx, []*webhooks.Delivery{d})
	})
	if err != nil {
		t.Fatal(err)
	}
	return leased
}

// A handed delivery whose endpoint's signing secret cannot be opened is
// not sent; its attempt records why, and it is retried later, as a
// claimed one would be.
func TestAHandedDeliveryWithoutItsSecretRecordsWhy(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	requests := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests <- struct{}{} }))
	defer srv.Close()
	s := openStore(t)
	owe(t, s, "we_1", srv.URL, 0)
	var sender *Sender
	done := runSender(ctx, s, 4, func(s *Sender) {
		sender = s
		s.Secret = func(*webhooks.Endpoint) (string, error) { return "", errors.New("wrong key") }
	})
	defer func() { cancel(); <-done }()
	waitRunning(t, sender)
	if !handOver(t, s, sender, "evt_sealed") {
		t.Fatal("the running sender, holding nothing, refused a lease")
	}
	d := onlyDelivery(t, s, func(d *webhooks.Delivery) bool { return len(d.History) == 1 })
	a := d.History[0]
	if d.Status != webhooks.DeliveryPending || d.Claim != "" || !d.NextAttemptAt.After(a.At) ||
		a.Error != "Kassa could not open the endpoint's signing secret: wrong key" || a.StatusCode != 0 {
		t.Fatalf("delivery %+v, attempt %+v", d, a)
	}
	select {
	case <-requests:
		t.Fatal("sent without a signature")
	default:
	}
}

// onlyDelivery waits until the store holds one delivery and it meets
// cond, and returns it.
func onlyDelivery(t *testing.T, s store.Store, cond func(*webhooks.Delivery) bool) *webhooks.Delivery {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var ds []*webhooks.Delivery
		if err := s.Read(ctx, func(r store.Reader) error {
			var err error
			ds, _, err = r.ListDeliveries(ctx, "acct_1", store.ListQuery{Limit: 10})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && cond(ds[0]) {
			return ds[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries after 5 s: %+v", ds)
		}
	}
}
