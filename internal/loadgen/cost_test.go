package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// BenchmarkCreateConfirmCall is the generator's own cost of one
// create_confirm request against a server that answers at once with a real
// PaymentIntent: on a machine it shares with the server, every microsecond
// here is one the server does not get. (The server's side of the request is
// in the figure too, and the same in every version.)
func BenchmarkCreateConfirmCall(b *testing.B) {
	body, err := os.ReadFile("../api/testdata/payment_intent_requires_action.json")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	r := newRunner(Config{BaseURL: srv.URL, SecretKey: "sk_test_x", Rate: 1, Duration: 1, Mix: map[Op]int{OpCreateConfirm: 1}})
	b.ReportAllocs()
	cpu := OwnCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := r.do(context.Background(), OpCreateConfirm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64((OwnCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}
