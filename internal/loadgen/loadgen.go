// Package loadgen is an open-loop load generator for Stripe-compatible
// servers: requests start on a fixed schedule whatever the server's speed,
// and each latency is measured from the moment its request was due, so a
// slow server cannot hide its queueing (no coordinated omission).
package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Op is one kind of request in the mix.
type Op string

const (
	OpCreateConfirm Op = "create_confirm" // POST /v1/payment_intents with confirm=true
	OpRetrieve      Op = "retrieve"       // GET /v1/payment_intents/{id}
	OpList          Op = "list"           // GET /v1/payment_intents?limit=10
	OpComplete      Op = "complete"       // POST /v1/test_helpers/payment_intents/{id}/succeed
	OpRefund        Op = "refund"         // POST /v1/refunds, 1 minor unit of a completed payment
	OpCheckout      Op = "checkout"       // POST /v1/checkout/sessions: one line item, paid by the customer later
	OpCheckoutPay   Op = "checkout_pay"   // POST /checkout/pay/{id}: a customer pays a created session with Sofort on the hosted page
)

// Ops are the operations a mix can weigh.
var Ops = []Op{OpCreateConfirm, OpRetrieve, OpList, OpComplete, OpRefund, OpCheckout, OpCheckoutPay}

// Config describes a run.
type Config struct {
	BaseURL     string
	SecretKey   string
	Rate        float64 // requests per second, all operations together
	Duration    time.Duration
	Mix         map[Op]int // relative weights
	MaxInFlight int        // requests beyond this many outstanding are counted as dropped
	// IdempotencyKeys is the form of the fresh Idempotency-Key sent with
	// every POST, as Stripe's clients send one (default KeysLikeStripeGo).
	IdempotencyKeys KeyStyle
	// Transport sends the requests (default NewTransport(MaxInFlight)).
	Transport http.RoundTripper
	// Progress, if set, is called about once a second.
	Progress func(Snapshot)
	// Succeeded, if set, is told of every 2xx that changed an object:
	// which operation, the object's id (the PaymentIntent's, or the
	// refund's) and when the response arrived. Webhook lag counts from it.
	Succeeded func(op Op, id string, at time.Time)
}

// DefaultMix is a checkout-like workload: most traffic creates and confirms
// payments; customers finish half of them; merchants look them up.
var DefaultMix = map[Op]int{OpCreateConfirm: 45, OpComplete: 25, OpRetrieve: 15, OpList: 10, OpRefund: 5}

// Snapshot is the progress so far.
type Snapshot struct {
	Elapsed   time.Duration
	Sent      int64
	Completed int64
	Errors    int64
	Dropped   int64
}

// Result is a finished run, ready to print or store as JSON.
type Result struct {
	Target     string           `json:"target"`
	Rate       float64          `json:"rate_per_second"`
	Duration   string           `json:"duration"`
	Warmup     string           `json:"warmup,omitempty"` // unmeasured load before the run, set by its caller
	Started    time.Time        `json:"started"`
	Throughput float64          `json:"throughput_per_second"`
	Dropped    int64            `json:"dropped"`
	Ops        map[Op]*OpResult `json:"ops"`
	All        *OpResult        `json:"all"`
	// StartedLate is how long after its due time each request started:
	// the generator's own delay (waking, handing the request to a worker),
	// already part of every latency. Large, it says the generator lacked
	// CPU to keep its schedule; its latencies then overstate the server's.
	StartedLate *OpResult      `json:"started_late"`
	ErrorSample map[string]int `json:"error_sample"`
	// Timeline has one entry per second of the schedule, by due time.
	Timeline []Second `json:"timeline"`
	// Webhooks, Memory, CPU, Writer and Inside are filled in by the caller
	// when it measured them.
	Webhooks *WebhookResult           `json:"webhooks,omitempty"`
	Memory   *MemoryResult            `json:"memory,omitempty"`
	CPU      *CPUResult               `json:"cpu,omitempty"`
	Writer   *WriterResult            `json:"sqlite_writer,omitempty"`
	Inside   map[string]*InsideResult `json:"inside_server,omitempty"` // by route
}

// OpResult summarizes one operation's latencies, in milliseconds.
type OpResult struct {
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	P50    float64 `json:"p50_ms"`
	P90    float64 `json:"p90_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
	lat    []time.Duration
}

// NewTransport is what Run sends with unless given one: it keeps up to
// maxInFlight connections to the target open between requests. Two runs
// that share one reuse each other's connections. Plain-HTTP targets get
// the direct transport (cheaper for a generator sharing the server's
// cores), others net/http's.
func NewTransport(baseURL string, maxInFlight int) http.RoundTripper {
	if strings.HasPrefix(baseURL, "http://") {
		return newDirectTransport(maxInFlight, requestTimeout)
	}
	return &http.Transport{MaxIdleConnsPerHost: maxInFlight, ResponseHeaderTimeout: requestTimeout}
}

// requestTimeout bounds one request's wait for its answer.
const requestTimeout = 30 * time.Second

// Run drives the target until cfg.Duration has passed and all requests are back.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Rate <= 0 || cfg.Duration <= 0 {
		return nil, fmt.Errorf("loadgen: rate and duration must be positive")
	}
	r := newRunner(cfg)
	cfg = r.cfg
	pick := weighted(cfg.Mix)
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	started := time.Now()
	stopProgress := r.progress(started)
	// Requests go to idle workers; a new worker starts when none is idle,
	// up to MaxInFlight. Workers live for the run, so their stacks have
	// grown once, not with every request.
	var wg sync.WaitGroup
	jobs := make(chan job)
	workers := 0
	for i := 0; ; i++ {
		due := started.Add(time.Duration(i) * interval)
		if due.Sub(started) >= cfg.Duration || ctx.Err() != nil {
			break
		}
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		j := job{op: pick(), due: due}
		select {
		case jobs <- j:
		default:
			if workers == cfg.MaxInFlight {
				r.dropped.Add(1)
				continue
			}
			workers++
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.work(ctx, started, j, jobs)
			}()
		}
		r.sent.Add(1)
	}
	close(jobs)
	wg.Wait()
	stopProgress()
	return r.result(started), nil
}

// job is one request of the schedule.
type job struct {
	op  Op
	due time.Time
}

// work does j, then whatever jobs brings until it closes.
func (r *runner) work(ctx context.Context, started time.Time, j job, jobs <-chan job) {
	for {
		late := time.Since(j.due)
		err := r.do(ctx, j.op)
		r.record(j.op, j.due.Sub(started), late, time.Since(j.due), err)
		var ok bool
		if j, ok = <-jobs; !ok {
			return
		}
	}
}

// newRunner fills in cfg's defaults.
func newRunner(cfg Config) *runner {
	if cfg.Mix == nil {
		cfg.Mix = DefaultMix
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = 2048
	}
	if cfg.Transport == nil {
		cfg.Transport = NewTransport(cfg.BaseURL, cfg.MaxInFlight)
	}
	r := &runner{cfg: cfg, results: map[Op]*OpResult{}, errs: map[string]int{}, timeline: newTimeline()}
	for op := range cfg.Mix {
		r.results[op] = &OpResult{}
	}
	return r
}

type runner struct {
	cfg       Config
	sent      atomic.Int64
	completed atomic.Int64
	failed    atomic.Int64
	dropped   atomic.Int64

	mu       sync.Mutex
	sessions []checkoutPage // created and not paid yet, newest last
	results  map[Op]*OpResult
	errs     map[string]int
	timeline *timeline
	late     OpResult // how late requests started
	created  []string // intents awaiting the customer, for complete
	paid     []string // completed intents, for refund
	seen     []string // any intent, for retrieve
}

// record notes a request's outcome: when it was due after the start, how
// late the generator started it, and its latency counted from when it was due.
func (r *runner) record(op Op, dueAfter, late, latency time.Duration, err error) {
	r.completed.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.results[op]
	res.Count++
	res.lat = append(res.lat, latency)
	r.late.Count++
	r.late.lat = append(r.late.lat, late)
	r.timeline.add(dueAfter, latency, err != nil)
	if err != nil {
		r.failed.Add(1)
		res.Errors++
		if len(r.errs) < 20 || r.errs[err.Error()] > 0 {
			r.errs[err.Error()]++
		}
	}
}

func (r *runner) progress(started time.Time) (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.cfg.Progress(Snapshot{Elapsed: time.Since(started), Sent: r.sent.Load(),
					Completed: r.completed.Load(), Errors: r.failed.Load(), Dropped: r.dropped.Load()})
			}
		}
	}()
	return func() { close(done) }
}

func (r *runner) do(ctx context.Context, op Op) error {
	switch op {
	case OpCreateConfirm:
		pi, at, err := r.callForID(ctx, "POST", "/v1/payment_intents", createConfirmForm)
		if err != nil {
			return err
		}
		r.succeeded(op, pi, at)
		r.mu.Lock()
		r.created = append(r.created, pi)
		r.seen = append(r.seen, pi)
		if len(r.seen) > 10000 {
			r.seen = r.seen[len(r.seen)-10000:]
		}
		r.mu.Unlock()
		return nil
	case OpComplete:
		id := takeNewest(&r.mu, &r.created)
		if id == "" {
			return r.fallback(ctx)
		}
		_, at, err := r.call(ctx, "POST", "/v1/test_helpers/payment_intents/"+id+"/succeed", "")
		if err != nil {
			return err
		}
		r.succeeded(op, id, at)
		r.mu.Lock()
		r.paid = append(r.paid, id)
		if len(r.paid) > 10000 {
			r.paid = r.paid[len(r.paid)-10000:]
		}
		r.mu.Unlock()
		return nil
	case OpRefund:
		r.mu.Lock()
		var id string
		if n := len(r.paid); n > 0 {
			id = r.paid[rand.IntN(n)]
		}
		r.mu.Unlock()
		if id == "" {
			return r.fallback(ctx)
		}
		// One minor unit, so a payment takes many refunds before it is used up.
		re, at, err := r.callForID(ctx, "POST", "/v1/refunds", "amount=1&payment_intent="+url.QueryEscape(id))
		if err != nil {
			return err
		}
		r.succeeded(op, re, at)
		return nil
	case OpRetrieve:
		r.mu.Lock()
		var id string
		if n := len(r.seen); n > 0 {
			id = r.seen[rand.IntN(n)]
		}
		r.mu.Unlock()
		if id == "" {
			return r.fallback(ctx)
		}
		_, _, err := r.call(ctx, "GET", "/v1/payment_intents/"+id, "")
		return err
	case OpList:
		_, _, err := r.call(ctx, "GET", "/v1/payment_intents?limit=10", "")
		return err
	case OpCheckout:
		data, _, err := r.call(ctx, "POST", "/v1/checkout/sessions", checkoutForm)
		if err != nil {
			return err
		}
		var id, pageURL string
		if err := readStrings(data, field{[]string{"id"}, &id}, field{[]string{"url"}, &pageURL}); err != nil {
			return err
		}
		var key string
		if u, err := url.Parse(pageURL); err == nil {
			key = u.Query().Get("key")
		}
		if id == "" || key == "" {
			return fmt.Errorf("loadgen: checkout session %q with page %q", id, pageURL)
		}
		r.mu.Lock()
		r.sessions = append(r.sessions, checkoutPage{id: id, key: key})
		r.mu.Unlock()
		return nil
	case OpCheckoutPay:
		s := takeNewest(&r.mu, &r.sessions)
		if s.id == "" {
			return r.fallback(ctx)
		}
		form := url.Values{"key": {s.key}, "method": {"sofort"}, "country": {"DE"}}.Encode()
		return payOnPage(ctx, r.cfg.Transport, r.cfg.BaseURL, "/checkout/pay/"+s.id, form)
	}
	return fmt.Errorf("loadgen: unknown op %s", op)
}

// takeNewest removes the newest of items and returns it, or the zero
// value if there is none.
func takeNewest[T any](mu *sync.Mutex, items *[]T) T {
	mu.Lock()
	defer mu.Unlock()
	var newest T
	if n := len(*items); n > 0 {
		newest, *items = (*items)[n-1], (*items)[:n-1]
	}
	return newest
}

// fallback is what an operation does before there is an intent to act on.
func (r *runner) fallback(ctx context.Context) error {
	_, _, err := r.call(ctx, "GET", "/v1/payment_intents?limit=1", "")
	return err
}

func (r *runner) succeeded(op Op, id string, at time.Time) {
	if r.cfg.Succeeded != nil && id != "" {
		r.cfg.Succeeded(op, id, at)
	}
}

// checkoutForm is the body of every checkout: a payment session for one
// line item priced inline, as a shop's cart sends it.
var checkoutForm = url.Values{
	"mode":                                   {"payment"},
	"success_url":                            {"https://shop.example/success?session_id={CHECKOUT_SESSION_ID}"},
	"cancel_url":                             {"https://shop.example/cart"},
	"line_items[0][quantity]":                {"2"},
	"line_items[0][price_data][currency]":    {"eur"},
	"line_items[0][price_data][unit_amount]": {"1250"},
	"line_items[0][price_data][product_data][name]": {"Apfel"},
}.Encode()

// checkoutPage is a created session's hosted page: its id and the secret
// in its url that lets a customer's browser in.
type checkoutPage struct{ id, key string }

// payOnPage posts the hosted page's form as a customer's browser does
// (no API key); Kassa answers by sending the customer on to the bank.
func payOnPage(ctx context.Context, rt http.RoundTripper, baseURL, path, form string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+path, strings.NewReader(form))
	if err != nil {
		return err
	}
	req.Header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return fmt.Errorf("transport: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("POST checkout/pay: HTTP %d", resp.StatusCode)
	}
	return nil
}

// createConfirmForm is the body of every create_confirm: a Sofort payment
// confirmed at once, as a shop's checkout sends it.
var createConfirmForm = url.Values{
	"amount": {"2000"}, "currency": {"eur"}, "confirm": {"true"},
	"payment_method_data[type]":                              {"sofort"},
	"payment_method_data[billing_details][address][country]": {"DE"},
	"return_url": {"https://shop.example/return"},
}.Encode()

// call sends one request with a form body (POST) or none, and returns the
// answer's body and when it arrived.
func (r *runner) call(ctx context.Context, method, path, form string) ([]byte, time.Time, error) {
	key := ""
	if method == http.MethodPost {
		key = r.cfg.IdempotencyKeys.newKey()
	}
	return callAPI(ctx, r.cfg.Transport, r.cfg.BaseURL, r.cfg.SecretKey, key, method, path, form)
}

// callForID is call for a request that answers with an object, and
// returns the object's id.
func (r *runner) callForID(ctx context.Context, method, path, form string) (string, time.Time, error) {
	data, at, err := r.call(ctx, method, path, form)
	if err != nil {
		return "", at, err
	}
	id, err := topLevelString(data, "id")
	return id, at, err
}

// callAPI sends one request and returns the body of a 2xx answer and when
// it arrived; any other answer is an error named by status and Stripe
// error code. It calls the transport directly: a generator sharing cores
// with the server should not pay for http.Client's redirect handling and
// header copies on every request.
func callAPI(ctx context.Context, rt http.RoundTripper, baseURL, key, idempotencyKey, method, path, form string) ([]byte, time.Time, error) {
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(baseURL, "/")+path, body)
	if err != nil {
		return nil, time.Time{}, err
	}
	req.Header = http.Header{"Authorization": {"Bearer " + key}}
	if idempotencyKey != "" {
		req.Header["Idempotency-Key"] = []string{idempotencyKey}
	}
	if body != nil {
		req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
	}
	resp, err := rt.RoundTrip(req)
	at := time.Now()
	if err != nil {
		return nil, at, fmt.Errorf("transport: %w", err)
	}
	defer resp.Body.Close()
	data, err := readBody(resp)
	if err != nil {
		return nil, at, err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		json.Unmarshal(data, &e)
		return nil, at, fmt.Errorf("%s %s: HTTP %d %s", method, resource(path), resp.StatusCode, e.Error.Code)
	}
	return data, at, nil
}

// readBody reads a response in one allocation when its length is known.
func readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n < 1<<20 {
		data := make([]byte, n)
		_, err := io.ReadFull(resp.Body, data)
		return data, err
	}
	return io.ReadAll(resp.Body)
}

// resource names a path's resource for error counts: "/v1/payment_intents/pi_1?x" is "payment_intents".
func resource(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	if len(parts) < 3 {
		return path
	}
	return parts[2]
}

func (r *runner) result(started time.Time) *Result {
	elapsed := time.Since(started)
	res := &Result{
		Target: r.cfg.BaseURL, Rate: r.cfg.Rate, Duration: r.cfg.Duration.String(), Started: started,
		Dropped: r.dropped.Load(), Ops: r.results, All: &OpResult{}, ErrorSample: r.errs,
		Timeline: r.timeline.seconds(),
	}
	for _, op := range r.results {
		op.summarize()
		res.All.Count += op.Count
		res.All.Errors += op.Errors
		res.All.lat = append(res.All.lat, op.lat...)
	}
	res.All.summarize()
	r.late.summarize()
	res.StartedLate = &r.late
	res.Throughput = float64(res.All.Count-res.All.Errors) / elapsed.Seconds()
	return res
}

func (o *OpResult) summarize() {
	if len(o.lat) == 0 {
		return
	}
	sortDurations(o.lat)
	o.P50, o.P90, o.P99, o.Max = ms(quantile(o.lat, 0.50)), ms(quantile(o.lat, 0.90)), ms(quantile(o.lat, 0.99)), ms(o.lat[len(o.lat)-1])
}

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

// quantile of sorted, which must not be empty: the value at rank q·n.
func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Latencies returns the sorted latencies of an operation (after Run).
func (o *OpResult) Latencies() []time.Duration { return o.lat }

// weighted returns a picker that draws ops in proportion to their weights.
func weighted(mix map[Op]int) func() Op {
	var ops []Op
	for op, w := range mix {
		for range w {
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i] < ops[j] })
	return func() Op { return ops[rand.IntN(len(ops))] }
}
