package gateway_test

import (
	"context"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// TestExpireOverdueDrainsABurst: more Vipps attempts run out at once than
// one batch holds; one call expires them all, and none before its time.
func TestExpireOverdueDrainsABurst(t *testing.T) {
	ctx := context.Background()
	gw, c := benchGateway(t)
	const burst = 250
	ids := make([]string, burst)
	for i := range ids {
		err := gw.Store.Write(ctx, func(tx store.Tx) error {
			pi, err := gw.CreateIntent(ctx, tx, c, gateway.CreateIntentInput{
				IntentInput: payments.IntentInput{Amount: 1099, Currency: "nok"},
				Method:      gateway.MethodChoice{Data: &gateway.PaymentMethodInput{Type: methods.Vipps}},
				Confirm:     true, ReturnURL: "https://shop.example/r",
			})
			if err == nil {
				ids[i] = pi.ID
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, err := gw.ExpireOverdue(ctx); err != nil || n != 0 {
		t.Fatalf("before the window closed: expired %d, %v", n, err)
	}
	gw.Clock.(*clock.Manual).Advance(time.Hour)
	if n, err := gw.ExpireOverdue(ctx); err != nil || n != burst {
		t.Fatalf("after the window: expired %d of %d, %v", n, burst, err)
	}
	err := gw.Store.Read(ctx, func(r store.Reader) error {
		for _, id := range ids {
			pi, err := r.Intent(ctx, c.AccountID, id)
			if err != nil {
				return err
			}
			if pi.Status == payments.RequiresAction {
				t.Errorf("%s still waits for its customer", id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := gw.ExpireOverdue(ctx); err != nil || n != 0 {
		t.Fatalf("expired again: %d, %v", n, err)
	}
}
