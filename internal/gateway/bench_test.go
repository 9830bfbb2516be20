package gateway_test

import (
	"context"
	"testing"
	"time"

	"kassa/internal/clock"
	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/store"
	"kassa/internal/store/testdb"
)

// benchGateway is a gateway with one account on a fresh database: SQLite,
// or PostgreSQL with KASSA_TEST_DB=postgres.
func benchGateway(b testing.TB) (*gateway.Gateway, *gateway.Caller) {
	ctx := context.Background()
	st := testdb.Open(b)
	gw := &gateway.Gateway{Store: st, Acquirer: &sandbox.Acquirer{PublicURL: "http://kassa.test", RefundDelay: time.Minute},
		Clock: clock.NewManual(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))}
	keys, err := gw.CreateAccount(ctx, "Bench Shop")
	if err != nil {
		b.Fatal(err)
	}
	return gw, &gateway.Caller{AccountID: keys.ID}
}

func benchPayment(b testing.TB, gw *gateway.Gateway, c *gateway.Caller, amount int64) string {
	ctx := context.Background()
	var id string
	err := gw.Store.Write(ctx, func(tx store.Tx) error {
		pi, err := gw.CreateIntent(ctx, tx, c, gateway.CreateIntentInput{
			IntentInput: payments.IntentInput{Amount: amount, Currency: "eur"},
			Method: gateway.MethodChoice{Data: &gateway.PaymentMethodInput{Type: methods.Sofort,
				BillingDetails: payments.BillingDetails{Address: payments.Address{Country: "DE"}}}},
			Confirm: true, ReturnURL: "https://shop.example/r",
		})
		if err != nil {
			return err
		}
		id = pi.ID
		_, err = gw.FinishIntent(ctx, tx, c, pi.ID, gateway.OutcomeAuthorize)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return id
}

func benchRefund(b testing.TB, gw *gateway.Gateway, c *gateway.Caller, pi string, amount *int64) {
	ctx := context.Background()
	err := gw.Store.Write(ctx, func(tx store.Tx) error {
		_, err := gw.CreateRefund(ctx, tx, c, gateway.CreateRefundInput{PaymentIntent: pi, RefundInput: payments.RefundInput{Amount: amount}})
		return err
	})
	if err != nil {
		b.Error(err)
	}
}

// BenchmarkRefundOneCharge: the refund command alone (no HTTP, no
// idempotency key), one cent at a time of one payment, from GOMAXPROCS
// goroutines on SQLite.
func BenchmarkRefundOneCharge(b *testing.B) {
	gw, c := benchGateway(b)
	pi := benchPayment(b, gw, c, 99_999_999)
	one := int64(1)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchRefund(b, gw, c, pi, &one)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refunds/s")
}

// BenchmarkRefundManyCharges: the refund command alone, each a different
// payment refunded in full.
func BenchmarkRefundManyCharges(b *testing.B) {
	gw, c := benchGateway(b)
	ids := make(chan string, b.N)
	for range b.N {
		ids <- benchPayment(b, gw, c, 2000)
	}
	close(ids)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchRefund(b, gw, c, <-ids, nil)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refunds/s")
}
