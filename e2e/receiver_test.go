package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is a merchant's webhook endpoint: a local HTTP server that
// keeps every request and answers with the status its mode says.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []webhookRequest
	// status answers each request (default 200), after delay.
	status atomic.Int32
	delay  atomic.Int64 // nanoseconds
}

type webhookRequest struct {
	Body      []byte
	Signature string
	EventID   string
	Type      string
	Status    int // what the receiver answered; 0 when the sender hung up first
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.status.Store(http.StatusOK)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// Reading the body first lets the server notice a sender that hangs
		// up during the delay (a killed Kassa): its request is kept, but
		// not as answered, since the sender never saw the answer.
		body, _ := io.ReadAll(req.Body)
		time.Sleep(time.Duration(r.delay.Load()))
		var head struct{ ID, Type string }
		json.Unmarshal(body, &head)
		status := int(r.status.Load())
		if req.Context().Err() != nil {
			status = 0
		}
		r.mu.Lock()
		r.requests = append(r.requests, webhookRequest{Body: body, Signature: req.Header.Get("Stripe-Signature"), EventID: head.ID, Type: head.Type, Status: status})
		r.mu.Unlock()
		if status != 0 { // nobody is left to answer (WriteHeader(0) panics)
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// received returns the requests so far.
func (r *receiver) received() []webhookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhookRequest(nil), r.requests...)
}

// acknowledged returns the distinct event ids the receiver answered 2xx to.
func (r *receiver) acknowledged() map[string]webhookRequest {
	out := map[string]webhookRequest{}
	for _, req := range r.received() {
		if req.Status >= 200 && req.Status < 300 {
			out[req.EventID] = req
		}
	}
	return out
}
