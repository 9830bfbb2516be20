package e2e

import (
	"testing"

	"github.com/stripe/stripe-go/v82"
)

// BenchmarkCreateConfirm measures creating and confirming a Sofort intent
// in one call over HTTP with stripe-go (which adds an Idempotency-Key to
// each), against in-process Kassa on a SQLite file.
func BenchmarkCreateConfirm(b *testing.B) {
	k := start(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			pi, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
			if err != nil || pi.Status != stripe.PaymentIntentStatusRequiresAction {
				b.Errorf("%v %+v", err, pi)
				return
			}
		}
	})
}
