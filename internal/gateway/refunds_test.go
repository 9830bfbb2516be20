package gateway_test

import (
	"context"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/store"
)

// TestSettleDueRefundsDrainsABurst: more refunds fall due at once than one
// batch holds; one call completes them all, and none before its time.
func TestSettleDueRefundsDrainsABurst(t *testing.T) {
	ctx := context.Background()
	gw, c := benchGateway(t)
	gw.Acquirer = &sandbox.Acquirer{PublicURL: "http://kassa.test", RefundDelay: time.Minute}
	pi := benchPayment(t, gw, c, 1000)
	one := int64(1)
	for range 250 {
		benchRefund(t, gw, c, pi, &one)
	}
	n, err := gw.SettleDueRefunds(ctx)
	if err != nil || n != 0 {
		t.Fatalf("before the delay: settled %d, %v", n, err)
	}
	gw.Clock.(*clock.Manual).Advance(time.Minute)
	if n, err = gw.SettleDueRefunds(ctx); err != nil || n != 250 {
		t.Fatalf("after the delay: settled %d, %v", n, err)
	}
	err = gw.Store.Read(ctx, func(r store.Reader) error {
		refunds, more, err := r.ListRefunds(ctx, c.AccountID, store.ListQuery{Limit: 100, PaymentIntent: pi})
		for _, rf := range refunds {
			if rf.Status != payments.RefundSucceeded {
				t.Errorf("%s is %s", rf.ID, rf.Status)
			}
		}
		if !more {
			t.Error("fewer refunds than made")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
