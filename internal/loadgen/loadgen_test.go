package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeStripe answers like Kassa would, failing every list with a 500.
func fakeStripe(t *testing.T, delay time.Duration, seen map[string]*atomic.Int64) *httptest.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		if r.Header.Get("Authorization") != "Bearer sk_test_x" {
			w.WriteHeader(401)
			return
		}
		key := r.Method + " " + strings.Split(r.URL.Path, "/")[2]
		if c := seen[key]; c != nil {
			c.Add(1)
		}
		switch {
		case r.Method == "POST" && r.URL.Path == "/v1/payment_intents":
			fmt.Fprintf(w, `{"id":"pi_%d","status":"requires_action"}`, n.Add(1))
		case r.Method == "POST" && r.URL.Path == "/v1/refunds":
			fmt.Fprintf(w, `{"id":"re_%d"}`, n.Add(1))
		case r.Method == "GET" && r.URL.Path == "/v1/payment_intents":
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":{"type":"api_error","code":"boom"}}`)
		default:
			fmt.Fprint(w, `{}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunSendsTheScheduleAndCountsOutcomes(t *testing.T) {
	seen := map[string]*atomic.Int64{"POST payment_intents": {}, "POST test_helpers": {}, "GET payment_intents": {}, "POST refunds": {}}
	srv := fakeStripe(t, 0, seen)
	var mu sync.Mutex
	succeeded := map[Op][]string{}
	started := time.Now()
	res, err := Run(context.Background(), Config{
		BaseURL: srv.URL, SecretKey: "sk_test_x", Rate: 400, Duration: 500 * time.Millisecond,
		Mix: map[Op]int{OpCreateConfirm: 2, OpComplete: 1, OpList: 1, OpRefund: 1},
		Succeeded: func(op Op, id string, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if at.Before(started) || at.After(time.Now()) {
				t.Errorf("%s %s answered at %v", op, id, at)
			}
			succeeded[op] = append(succeeded[op], id)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// An open loop sends exactly rate × duration requests, whatever the server does.
	if got := int64(res.All.Count) + res.Dropped; got != 200 {
		t.Fatalf("sent %d + dropped %d, want 200", res.All.Count, res.Dropped)
	}
	creates, lists := res.Ops[OpCreateConfirm], res.Ops[OpList]
	if creates.Count == 0 || creates.Errors != 0 || int64(creates.Count) != seen["POST payment_intents"].Load() {
		t.Fatalf("creates %+v, server saw %d", creates, seen["POST payment_intents"].Load())
	}
	// A completion or refund that finds no intent yet lists instead, and
	// fails like a list; refunds go to completed payments only.
	completes, refunds := res.Ops[OpComplete], res.Ops[OpRefund]
	if refunds.Count == 0 || seen["POST refunds"].Load() != int64(refunds.Count-refunds.Errors) {
		t.Fatalf("refunds %+v, server saw %d", refunds, seen["POST refunds"].Load())
	}
	if lists.Count == 0 || lists.Errors != lists.Count || res.ErrorSample["GET payment_intents: HTTP 500 boom"] != lists.Count+completes.Errors+refunds.Errors {
		t.Fatalf("lists %+v completes %+v refunds %+v errors %v", lists, completes, refunds, res.ErrorSample)
	}
	if res.All.P50 <= 0 || res.All.P50 > res.All.P99 || res.All.P99 > res.All.Max {
		t.Fatalf("percentiles out of order: %+v", res.All)
	}
	if res.Throughput <= 0 {
		t.Fatalf("throughput %v", res.Throughput)
	}
	// Every 2xx that changed an object is reported with that object's id.
	prefix := map[Op]string{OpCreateConfirm: "pi_", OpComplete: "pi_", OpRefund: "re_"}
	for op, ids := range succeeded {
		for _, id := range ids {
			if !strings.HasPrefix(id, prefix[op]) {
				t.Fatalf("%s reported %q", op, id)
			}
		}
	}
	if len(succeeded[OpCreateConfirm]) != creates.Count || len(succeeded[OpRefund]) != refunds.Count-refunds.Errors ||
		len(succeeded[OpComplete]) != completes.Count-completes.Errors || len(succeeded) != 3 {
		t.Fatalf("reported %d creates, %d completes, %d refunds; %d ops", len(succeeded[OpCreateConfirm]),
			len(succeeded[OpComplete]), len(succeeded[OpRefund]), len(succeeded))
	}
	sum := 0
	for _, s := range res.Timeline {
		sum += s.Count
	}
	if sum != res.All.Count || len(res.Timeline) != 1 {
		t.Fatalf("timeline %+v holds %d of %d", res.Timeline, sum, res.All.Count)
	}
}

// How late the generator started requests is measured apart from their
// latency: a server that takes 30 ms makes every latency at least that,
// not the start of the next request.
func TestRunMeasuresHowLateRequestsStarted(t *testing.T) {
	srv := fakeStripe(t, 30*time.Millisecond, nil)
	res, err := Run(context.Background(), Config{
		BaseURL: srv.URL, SecretKey: "sk_test_x", Rate: 200, Duration: 300 * time.Millisecond,
		Mix: map[Op]int{OpCreateConfirm: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	late := res.StartedLate
	if late == nil || late.Count != res.All.Count || res.All.Count == 0 {
		t.Fatalf("started late %+v for %d requests", late, res.All.Count)
	}
	if res.All.P50 < 30 || late.P50 >= 30 || late.Max > res.All.Max {
		t.Fatalf("latency %+v, started late %+v: want latencies of at least the server's 30 ms and starts sooner", res.All, late)
	}
}

func TestRunDropsWhatExceedsTheInFlightBound(t *testing.T) {
	srv := fakeStripe(t, 200*time.Millisecond, map[string]*atomic.Int64{})
	res, err := Run(context.Background(), Config{
		BaseURL: srv.URL, SecretKey: "sk_test_x", Rate: 100, Duration: 300 * time.Millisecond,
		Mix: map[Op]int{OpRetrieve: 1}, MaxInFlight: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Dropped == 0 || int64(res.All.Count)+res.Dropped != 30 {
		t.Fatalf("count %d dropped %d", res.All.Count, res.Dropped)
	}
	// Latency counts from when a request was due, so it includes the server's delay.
	if res.All.P50 < 200 {
		t.Fatalf("p50 %.1f ms is below the server's 200 ms delay", res.All.P50)
	}
}

func TestWeightedPickRespectsZeroAndWeights(t *testing.T) {
	pick := weighted(map[Op]int{OpList: 3, OpRetrieve: 1, OpComplete: 0})
	count := map[Op]int{}
	for range 4000 {
		count[pick()]++
	}
	if count[OpComplete] != 0 || count[OpList] < 2*count[OpRetrieve] {
		t.Fatalf("%v", count)
	}
}

// Every POST carries a fresh Idempotency-Key of the chosen form, unless
// switched off; GETs never do.
func TestIdempotencyKeysOnPosts(t *testing.T) {
	forms := map[KeyStyle]*regexp.Regexp{
		KeysLikeStripeGo: regexp.MustCompile(`^[0-9]{19}_[A-Za-z0-9_-]{6}$`),
		KeysUUID:         regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`),
		KeysOff:          nil,
	}
	for style, form := range forms {
		var mu sync.Mutex
		keys := map[string]int{}
		var posts, gets, keyedGets int
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			key := r.Header.Get("Idempotency-Key")
			if r.Method == http.MethodPost {
				posts++
				if key != "" {
					keys[key]++
				}
				fmt.Fprint(w, `{"id":"pi_1"}`)
				return
			}
			gets++
			if key != "" {
				keyedGets++
			}
			fmt.Fprint(w, `{}`)
		}))
		_, err := Run(context.Background(), Config{
			BaseURL: srv.URL, SecretKey: "sk_test_x", Rate: 200, Duration: 200 * time.Millisecond,
			Mix: map[Op]int{OpCreateConfirm: 1, OpRetrieve: 1}, IdempotencyKeys: style,
		})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if posts == 0 || gets == 0 || keyedGets != 0 {
			t.Fatalf("%s: %d posts, %d gets, %d gets with a key", style, posts, gets, keyedGets)
		}
		if form == nil {
			if len(keys) != 0 {
				t.Errorf("keys sent although switched off: %v", keys)
			}
			continue
		}
		if len(keys) != posts {
			t.Errorf("%s: %d posts carried %d distinct keys", style, posts, len(keys))
		}
		for k, n := range keys {
			if n != 1 || !form.MatchString(k) {
				t.Errorf("%s: key %q used %d times (want once, of the form %s)", style, k, n, form)
			}
		}
	}
}

func TestParseKeyStyle(t *testing.T) {
	tests := []struct {
		in   string
		want KeyStyle
		ok   bool
	}{
		{"", KeysLikeStripeGo, true},
		{"stripe-go", KeysLikeStripeGo, true},
		{"uuid", KeysUUID, true},
		{"off", KeysOff, true},
		{"true", "", false},
	}
	for _, tt := range tests {
		got, err := ParseKeyStyle(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseKeyStyle(%q) = %q, %v", tt.in, got, err)
		}
	}
}
