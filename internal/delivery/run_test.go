package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/payments"
	"kassa/internal/store"
	"kassa/internal/store/sqlite"
	"kassa/internal/webhooks"
)

// Run delivers every owed event once, records each outcome, and never
// has more than PerEndpoint requests at one endpoint, while using them.
func TestRunDeliversEachEventOnceWithinTheEndpointLimit(t *testing.T) {
	const events, perEndpoint = 120, 8
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openStore(t)

	var mu sync.Mutex
	received := map[string]int{}
	inFlight, maxInFlight := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		received[string(body)]++
		mu.Unlock()
		time.Sleep(5 * time.Millisecond) // long enough for requests to overlap
		mu.Lock()
		inFlight--
		mu.Unlock()
	}))
	defer srv.Close()

	owe(t, s, "we_1", srv.URL, events)

	done := runSender(ctx, s, perEndpoint)

	deadline := time.Now().Add(10 * time.Second)
	for {
		var backlog store.Backlog
		err := s.Read(ctx, func(r store.Reader) error {
			var err error
			backlog, err = r.DeliveryBacklog(ctx, time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if backlog.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still owed after 10s: %+v", backlog)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done

	mu.Lock()
	defer mu.Unlock()
	if len(received) != events {
		t.Fatalf("received %d distinct events, want %d", len(received), events)
	}
	for id, n := range received {
		if n != 1 {
			t.Errorf("%s received %d times", id, n)
		}
	}
	if maxInFlight > perEndpoint || maxInFlight < 2 {
		t.Fatalf("at most %d requests at once, want between 2 and %d", maxInFlight, perEndpoint)
	}
	err := s.Read(context.Background(), func(r store.Reader) error {
		ds, _, err := r.ListDeliveries(context.Background(), "acct_1", store.ListQuery{Limit: 100})
		for _, d := range ds {
			if d.Status != webhooks.DeliverySucceeded || len(d.History) != 1 || d.History[0].StatusCode != http.StatusOK {
				t.Errorf("%s: %s after %+v", d.ID, d.Status, d.History)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A finished request is followed at once by the endpoint's next claimed
// delivery, not after the store write that records its answer: with that
// write held up, every claimed delivery still reaches the receiver.
func TestRequestsGoOnWhileAnswersAreRecorded(t *testing.T) {
	const perEndpoint = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	received := map[string]bool{}
	allReceived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		received[string(body)] = true
		if len(received) == claimedPerRequest*perEndpoint {
			close(allReceived)
		}
	}))
	defer srv.Close()
	s := openStore(t)
	owe(t, s, "we_1", srv.URL, claimedPerRequest*perEndpoint) // as many as one claim takes
	recordedEarly := make(chan struct{}, 1)
	held := &recordingHeld{Store: s, until: allReceived, early: recordedEarly}

	done := runSender(ctx, held, perEndpoint)
	defer func() { cancel(); <-done }()

	select {
	case <-allReceived:
	case <-recordedEarly:
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("the receiver got %d of %d deliveries before the first answers were recorded", len(received), claimedPerRequest*perEndpoint)
	case <-time.After(10 * time.Second):
		t.Fatal("not all deliveries arrived within 10s")
	}
}

// A claimed delivery that waited in its lane longer than laneWait (behind
// a slow request) is not sent late: it is left for its lease to run out,
// which is all the lease has to cover.
func TestLateDeliveriesAreLeftToTheirLease(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var received []string
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, string(body))
		first := len(received) == 1
		mu.Unlock()
		if first {
			<-release
		}
	}))
	defer srv.Close()
	defer close(release)
	s := openStore(t)
	owe(t, s, "we_1", srv.URL, claimedPerRequest) // one request at a time, three waiting behind it

	const laneWait = 50 * time.Millisecond
	done := runSender(ctx, s, 1, func(s *Sender) { s.laneWait = laneWait })
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(received)
		mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first delivery never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(3 * laneWait) // the three behind it wait past laneWait
	release <- struct{}{}
	// The first is recorded; the three that waited too long stay owed,
	// leased, and are not sent.
	for deadline := time.Now().Add(5 * time.Second); ; {
		var backlog store.Backlog
		if err := s.Read(ctx, func(r store.Reader) error {
			var err error
			backlog, err = r.DeliveryBacklog(ctx, time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if backlog.Pending < claimedPerRequest-1 {
			t.Fatalf("the deliveries that waited too long were sent late: %+v", backlog)
		}
		if backlog.Pending == claimedPerRequest-1 {
			if backlog.Due != 0 {
				t.Fatalf("the late deliveries are not leased any more: %+v", backlog)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first delivery's outcome was not recorded: %+v", backlog)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(received) != 1 {
		t.Fatalf("%d requests; the ones that waited too long were sent late: %v", len(received), received)
	}
}

// recordingHeld holds up every write that records outcomes until until
// closes, or for two seconds, after which it reports on early.
type recordingHeld struct {
	store.Store
	until <-chan struct{}
	early chan<- struct{}
}

func (h *recordingHeld) Write(ctx context.Context, fn func(store.Tx) error) error {
	return h.Store.Write(ctx, func(tx store.Tx) error { return fn(heldTx{tx, h}) })
}

type heldTx struct {
	store.Tx
	h *recordingHeld
}

func (t heldTx) RecordOutcomes(ctx context.Context, outcomes []webhooks.Outcome) (int, error) {
	select {
	case <-t.h.until:
	case <-time.After(2 * time.Second):
		select {
		case t.h.early <- struct{}{}:
		default:
		}
	}
	return t.Tx.RecordOutcomes(ctx, outcomes)
}

// The endpoint's secret cannot be opened, the event is gone: each
// delivery says why it was not sent, and the others are sent.
func TestPrepareSaysWhyADeliveryCannotBeSent(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	owe(t, s, "we_ok", "http://127.0.0.1:1/ok", 2)
	owe(t, s, "we_sealed", "http://127.0.0.1:1/sealed", 1)
	sender := New(Config{})
	sender.Store = s
	sender.Secret = func(e *webhooks.Endpoint) (string, error) {
		if e.ID == "we_sealed" {
			return "", errors.New("wrong key")
		}
		return "whsec_" + e.ID, nil
	}
	claimed := []*webhooks.Delivery{
		{ID: "wd_a", AccountID: "acct_1", EndpointID: "we_ok", EventID: "evt_we_ok_0"},
		{ID: "wd_b", AccountID: "acct_1", EndpointID: "we_ok", EventID: "evt_gone"},
		{ID: "wd_c", AccountID: "acct_1", EndpointID: "we_sealed", EventID: "evt_we_sealed_0"},
		{ID: "wd_d", AccountID: "acct_1", EndpointID: "we_deleted", EventID: "evt_we_ok_1"},
		{ID: "wd_e", AccountID: "acct_1", EndpointID: "we_ok", EventID: "evt_we_ok_1"},
	}
	want := []struct{ problem, secret, event string }{
		{"", "whsec_we_ok", "evt_we_ok_0"},
		{"the event no longer exists", "whsec_we_ok", ""},
		{"Kassa could not open the endpoint's signing secret: wrong key", "", ""},
		{"the endpoint no longer exists", "", ""},
		{"", "whsec_we_ok", "evt_we_ok_1"},
	}
	jobs := sender.prepare(ctx, claimed)
	if len(jobs) != len(want) {
		t.Fatalf("%d jobs for %d deliveries", len(jobs), len(want))
	}
	for i, j := range jobs {
		event := ""
		if j.event != nil {
			event = j.event.ID
		}
		if j.delivery != claimed[i] || j.problem != want[i].problem || j.secret != want[i].secret || event != want[i].event {
			t.Errorf("%s: problem %q secret %q event %q; want %+v", claimed[i].ID, j.problem, j.secret, event, want[i])
		}
	}
}

// runSender runs a sender on st that posts each event's id, signed with a
// fixed secret, until ctx ends; done closes when it has stopped. adjust
// changes the sender before it starts.
func runSender(ctx context.Context, st store.Store, perEndpoint int, adjust ...func(*Sender)) (done <-chan struct{}) {
	sender := New(Config{PerEndpoint: perEndpoint, PollInterval: 5 * time.Millisecond})
	sender.Store, sender.Clock = st, clock.System{}
	sender.Secret = func(*webhooks.Endpoint) (string, error) { return "whsec_test", nil }
	sender.Render = func(e *store.Event) ([]byte, error) { return []byte(e.ID), nil }
	for _, a := range adjust {
		a(sender)
	}
	stopped := make(chan struct{})
	go func() { sender.Run(ctx); close(stopped) }()
	return stopped
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kassa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// owe stores an endpoint at url (and its account, the first time) with n
// events, evt_<endpoint>_<i>, each owed to it now.
func owe(t *testing.T, s store.Store, endpointID, url string, n int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	err := s.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.Account(ctx, "acct_1"); errors.Is(err, store.ErrNotFound) {
			if err := tx.InsertAccount(ctx, store.Account{ID: "acct_1", Name: "Shop", APIVersion: "v"}); err != nil {
				return err
			}
		}
		if err := tx.InsertWebhookEndpoint(ctx, &webhooks.Endpoint{ID: endpointID, AccountID: "acct_1", URL: url,
			EnabledEvents: []string{"*"}, SealedSecret: []byte{1}, Created: now}); err != nil {
			return err
		}
		var evs []*store.Event
		var ds []*webhooks.Delivery
		for i := range n {
			id := fmt.Sprintf("evt_%s_%d", endpointID, i)
			evs = append(evs, &store.Event{ID: id, AccountID: "acct_1", Type: payments.EventRefundCreated, APIVersion: "v", Created: now,
				Object: &payments.Refund{ID: "re_1", AccountID: "acct_1", Amount: 100, Currency: "eur", Created: now}})
			ds = append(ds, &webhooks.Delivery{ID: fmt.Sprintf("wd_%s_%d", endpointID, i), AccountID: "acct_1", EndpointID: endpointID, EventID: id,
				Status: webhooks.DeliveryPending, NextAttemptAt: now, Created: now})
		}
		if err := tx.InsertEvents(ctx, evs); err != nil {
			return err
		}
		return tx.InsertDeliveries(ctx, ds)
	})
	if err != nil {
		t.Fatal(err)
	}
}
