package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/delivery"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/secrets"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
	"kassa/internal/webhooks"
)

// fakeCourier leases to the endpoints in room, once each, and keeps what
// it is handed.
type fakeCourier struct {
	room   map[string]int
	leases int
	handed []handing
}

type handing struct {
	committed bool
	hs        []delivery.Handoff
}

func (c *fakeCourier) Lease(endpointID string) (string, time.Time, bool) {
	if c.room[endpointID] == 0 {
		return "", time.Time{}, false
	}
	c.room[endpointID]--
	c.leases++
	return fmt.Sprint("lease_", c.leases), time.Date(2026, 11, 26, 12, 1, 0, 0, time.UTC), true
}

func (c *fakeCourier) Hand(committed bool, hs []delivery.Handoff) {
	c.handed = append(c.handed, handing{committed, hs})
}

// A write that records events inserts the deliveries the Courier has room
// for leased to it, hands them over with their events and endpoints once
// committed, and gives them back when the write fails; the rest are
// inserted unleased for the outbox's poll.
func TestDeliveriesAreHandedToTheCourier(t *testing.T) {
	ctx := context.Background()
	box, err := secrets.NewBox(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	courier := &fakeCourier{room: map[string]int{}}
	gw := &gateway.Gateway{Store: testdb.Open(t), Acquirer: &sandbox.Acquirer{PublicURL: "http://kassa.test"},
		Clock: clock.NewManual(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)), Secrets: box, Courier: courier}
	keys, err := gw.CreateAccount(ctx, "Shop")
	if err != nil {
		t.Fatal(err)
	}
	c := &gateway.Caller{AccountID: keys.ID}
	var roomy, full *webhooks.Endpoint
	err = gw.Store.Write(ctx, func(tx store.Tx) error {
		var err error
		if roomy, _, err = gw.CreateWebhookEndpoint(ctx, tx, c, webhooks.EndpointInput{URL: ptr("https://shop.example/a"), EnabledEvents: []string{"*"}}); err != nil {
			return err
		}
		full, _, err = gw.CreateWebhookEndpoint(ctx, tx, c, webhooks.EndpointInput{URL: ptr("https://shop.example/b"), EnabledEvents: []string{"*"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	courier.room[roomy.ID] = 10
	create := func(tx store.Tx) (*payments.PaymentIntent, error) {
		return gw.CreateIntent(ctx, tx, c, gateway.CreateIntentInput{
			IntentInput: payments.IntentInput{Amount: 1000, Currency: "eur"},
			Method: gateway.MethodChoice{Data: &gateway.PaymentMethodInput{Type: methods.Sofort,
				BillingDetails: payments.BillingDetails{Address: payments.Address{Country: "DE"}}}},
			Confirm: true, ReturnURL: "https://shop.example/r",
		})
	}

	var pi *payments.PaymentIntent
	err = gw.Store.Write(ctx, func(tx store.Tx) error {
		var err error
		pi, err = create(tx)
		if len(courier.handed) != 0 {
			t.Error("handed over before the write ended")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(courier.handed) != 1 || !courier.handed[0].committed {
		t.Fatalf("handed %+v, want one committed handing", courier.handed)
	}
	hs := courier.handed[0].hs
	var events []*store.Event
	var ds []*webhooks.Delivery
	err = gw.Store.Read(ctx, func(r store.Reader) error {
		var err error
		if events, _, err = r.ListEvents(ctx, keys.ID, store.ListQuery{Limit: 10}); err != nil {
			return err
		}
		ds, _, err = r.ListDeliveries(ctx, keys.ID, store.ListQuery{Limit: 10})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A create+confirm records two events; each is owed to both endpoints.
	if len(events) != 2 || len(ds) != 4 || len(hs) != 2 {
		t.Fatalf("%d events, %d deliveries, %d handed; want 2, 4, 2", len(events), len(ds), len(hs))
	}
	stored := map[string]*webhooks.Delivery{}
	for _, d := range ds {
		stored[d.ID] = d
		if d.EndpointID == full.ID && d.Claim != "" {
			t.Errorf("a delivery the courier had no room for is leased: %+v", d)
		}
	}
	byID := map[string]*store.Event{}
	for _, e := range events {
		byID[e.ID] = e
	}
	for _, h := range hs {
		d := stored[h.Delivery.ID]
		if d == nil || d.EndpointID != roomy.ID || h.Endpoint.ID != roomy.ID || d.Claim == "" || d.Claim != h.Delivery.Claim ||
			!d.LeaseUntil.Equal(h.Delivery.LeaseUntil) {
			t.Fatalf("handed %+v, stored %+v", h.Delivery, d)
		}
		read := byID[h.Event.ID]
		if read == nil || h.Event.ID != d.EventID || h.Event.Type != read.Type || h.Event.PendingWebhooks != read.PendingWebhooks ||
			h.Event.PendingWebhooks != 2 || h.Event.Object.(*payments.PaymentIntent).ID != pi.ID {
			t.Fatalf("handed event %+v, stored %+v", h.Event, read)
		}
	}

	// A write that fails after its deliveries were leased hands them back.
	boom := errors.New("boom")
	err = gw.Store.Write(ctx, func(tx store.Tx) error {
		if _, err := create(tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("write: %v", err)
	}
	if len(courier.handed) != 2 || courier.handed[1].committed || len(courier.handed[1].hs) != 2 {
		t.Fatalf("handed %+v, want the failed write's two deliveries back, not committed", courier.handed[1:])
	}
}

func ptr[T any](v T) *T { return &v }
