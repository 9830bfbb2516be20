package e2e

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/loadgen"
	"kassa/internal/store/testdb"
)

// BenchmarkCreateConfirm measures creating and confirming a Sofort intent
// in one call over HTTP with stripe-go (which adds an Idempotency-Key to
// each), against in-process Kassa on the database KASSA_TEST_DB selects.
func BenchmarkCreateConfirm(b *testing.B) {
	k := start(b)
	cpu := loadgen.OwnCPU()
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
	reportThroughput(b)
	reportCPU(b, cpu)
}

// BenchmarkBinaryCreateConfirm is the same load against real kassa
// processes on one database: one process, and (on PostgreSQL) two behind a
// round-robin client, as behind a load balancer. 16 clients per core.
func BenchmarkBinaryCreateConfirm(b *testing.B) {
	outer := b
	for _, n := range []int{1, 2} {
		// Started once per sub-benchmark and stopped with the outer one,
		// not once for each b.N tried: idle processes would keep their
		// connections meanwhile.
		var clients []*stripe.Client
		var servers []*process
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			if n > 1 {
				requirePostgres(b)
			}
			if clients == nil {
				db := testdb.DSN(outer)
				first := runKassa(outer, db)
				sk := first.key("sk")
				servers = append(servers, first)
				for range n - 1 {
					servers = append(servers, runKassa(outer, db))
				}
				for _, p := range servers {
					clients = append(clients, stripeClient(p.URL, sk))
				}
			}
			var next atomic.Uint64
			b.SetParallelism(16)
			serverStart := serversCPU(b, servers)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					sc := clients[next.Add(1)%uint64(len(clients))]
					pi, err := sc.V1PaymentIntents.Create(ctx, sofortParams())
					if err != nil || pi.Status != stripe.PaymentIntentStatusRequiresAction {
						b.Errorf("%v %+v", err, pi)
						return
					}
				}
			})
			b.StopTimer()
			reportThroughput(b)
			// Kassa's own CPU per create+confirm: what the server costs,
			// apart from the clients on the same cores (PostgreSQL's own
			// processes are not counted).
			b.ReportMetric(float64(serversCPU(b, servers)-serverStart)/float64(b.N)/float64(time.Microsecond), "server-cpu-µs/op")
		})
	}
}

// serversCPU is the CPU time the kassa processes have used, user and
// system.
func serversCPU(b *testing.B, servers []*process) time.Duration {
	var total time.Duration
	for _, p := range servers {
		cpu, err := loadgen.ProcessCPU(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		total += cpu
	}
	return total
}

// reportCPU adds the CPU time per operation since start, client and server
// together. Unlike ns/op it hardly moves when other work shares the machine.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(loadgen.OwnCPU()-start)/float64(b.N)/float64(time.Microsecond), "cpu-µs/op")
}

// reportThroughput adds intents created and confirmed per second.
func reportThroughput(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "intents/s")
}

// BenchmarkRefundsOnePayment refunds one cent at a time of a single
// 999,999.99 EUR Sofort payment from as many goroutines as GOMAXPROCS, over
// HTTP with stripe-go: every refund contends for the same charge.
func BenchmarkRefundsOnePayment(b *testing.B) {
	k := start(b)
	pi := paidByHelper(b, k, sofortIn("eur", 99_999_999))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.SC.V1Refunds.Create(ctx, refundParams(pi, 1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refunds/s")
}

// BenchmarkRefundsAcrossPayments refunds b.N different payments in full,
// from as many goroutines as GOMAXPROCS, over HTTP with stripe-go. The
// payments are made before the timer starts.
func BenchmarkRefundsAcrossPayments(b *testing.B) {
	k := start(b)
	ids := make(chan string, b.N)
	for range b.N {
		ids <- paidByHelper(b, k, sofortIn("eur", 2000))
	}
	close(ids)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.SC.V1Refunds.Create(ctx, refundParams(<-ids, 0)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "refunds/s")
}

// paidByHelper creates a payment and has the sandbox customer pay it, over HTTP.
func paidByHelper(b *testing.B, k *kassa, params *stripe.PaymentIntentCreateParams) string {
	pi, err := k.SC.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		b.Fatal(err)
	}
	if err := k.post("/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", nil, &stripe.PaymentIntent{}); err != nil {
		b.Fatal(err)
	}
	return pi.ID
}
