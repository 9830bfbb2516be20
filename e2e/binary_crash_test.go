package e2e

import (
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/store/testdb"
)

// crashRounds is how many times the crash tests kill Kassa: a few in the
// suite, as many as KASSA_CRASH_ROUNDS asks for a long run on demand.
func crashRounds(t *testing.T) int {
	if n, err := strconv.Atoi(os.Getenv("KASSA_CRASH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}

// acknowledged is what clients got a 2xx for before a crash.
type acknowledged struct {
	mu        sync.Mutex
	created   []string
	succeeded map[string]bool
	refunds   map[string]int64 // refund id → amount
	refunded  map[string]int64 // intent id → amount of its acknowledged refunds
}

func (a *acknowledged) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.created)
}

// TestBinaryCrashLosesNothingAcknowledged kills Kassa with SIGKILL at a
// random moment while clients create, complete and refund payments,
// restarts it on the same database, and checks that everything a client
// got a 2xx for is there, with its events, that no payment has refunds
// beyond its amount, and that the balance moved with exactly the changes
// that committed.
//
// On SQLite the writer starts the WAL over at 1 MB instead of 200 MB, and
// the kill comes only after it has: the WAL a restart finds then begins
// with frames written after a restart, older frames behind them, and a
// kill can land inside a restart.
func TestBinaryCrashLosesNothingAcknowledged(t *testing.T) {
	db := testdb.DSN(t)
	var flags []string
	onSQLite := !testdb.Postgres()
	if onSQLite {
		flags = []string{"--sqlite-wal-restart-mb", "1"}
	}
	var sk string // printed on the first start only
	ack := &acknowledged{succeeded: map[string]bool{}, refunds: map[string]int64{}, refunded: map[string]int64{}}
	for round := range crashRounds(t) {
		p := runKassa(t, db, flags...)
		if round == 0 {
			sk = p.key("sk")
		}
		before := len(ack.created)
		killAndWait := workUntilKilled(p, 8, func(stop chan struct{}) { payAndRefund(p.URL, sk, ack, stop) })
		restarted := func() bool { return !onSQLite || walRestarts(t, p.URL) > 0 }
		awaitKillMoment(func() bool { return ack.count() > before && restarted() })
		restarts := 0
		if onSQLite {
			restarts = walRestarts(t, p.URL)
		}
		killAndWait()
		if ack.count() == before {
			t.Fatalf("round %d: no request was acknowledged before the kill", round)
		}
		if onSQLite && restarts == 0 {
			t.Fatalf("round %d: the WAL never started over before the kill", round)
		}
		p = runKassa(t, db, flags...)
		checkAcknowledged(t, stripeClient(p.URL, sk), ack)
		t.Logf("round %d: %d intents, %d completed, %d refunds acknowledged so far survived kill -9 (%d WAL restarts before it)",
			round, len(ack.created), len(ack.succeeded), len(ack.refunds), restarts)
		p.kill()
	}
}

// workUntilKilled runs n copies of work against p; the function it
// returns kills p with SIGKILL, then stops the copies and waits for them.
func workUntilKilled(p *process, n int, work func(stop chan struct{})) (killAndWait func()) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { work(stop) })
	}
	return func() {
		p.kill()
		close(stop)
		wg.Wait()
	}
}

// awaitKillMoment waits until work is under way (underWay holds; at most
// 30 s, as a loaded machine can take a while to answer the first
// request), then a random moment more.
func awaitKillMoment(underWay func() bool) {
	for deadline := time.Now().Add(30 * time.Second); !underWay() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Duration(rand.IntN(500)) * time.Millisecond)
}

// payAndRefund creates and confirms a 20.00 EUR Sofort payment, completes
// it, and refunds random parts of it until a refund is refused, over and
// over until stop; it notes every 2xx.
func payAndRefund(baseURL, sk string, ack *acknowledged, stop chan struct{}) {
	sc := stripeClient(baseURL, sk)
	for {
		select {
		case <-stop:
			return
		default:
		}
		pi, err := sc.V1PaymentIntents.Create(ctx, sofortParams())
		if err != nil {
			continue
		}
		ack.mu.Lock()
		ack.created = append(ack.created, pi.ID)
		ack.mu.Unlock()
		req, _ := http.NewRequestWithContext(ctx, "POST", baseURL+"/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", nil)
		req.SetBasicAuth(sk, "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			continue
		}
		ack.mu.Lock()
		ack.succeeded[pi.ID] = true
		ack.mu.Unlock()
		for {
			amount := 1 + rand.Int64N(900)
			r, err := sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(amount)})
			if err != nil {
				break // refused beyond the amount, or the server is gone
			}
			ack.mu.Lock()
			ack.refunds[r.ID] = r.Amount
			ack.refunded[pi.ID] += r.Amount
			ack.mu.Unlock()
		}
	}
}

func checkAcknowledged(t *testing.T, sc *stripe.Client, ack *acknowledged) {
	t.Helper()
	booked := bookings(t, sc)
	charges := 0 // completed payments, each booked once
	for _, id := range ack.created {
		pi, err := sc.V1PaymentIntents.Retrieve(ctx, id, nil)
		if err != nil {
			t.Fatalf("acknowledged intent %s after restart: %v", id, err)
		}
		if pi.Status == stripe.PaymentIntentStatusSucceeded {
			charges++
			if pi.LatestCharge == nil || !bookedOnce(booked, pi.LatestCharge.ID, stripe.BalanceTransactionTypeCharge, 2000) {
				t.Fatalf("completed payment %s: its charge is not booked once for 2000: %v", id, pi.LatestCharge)
			}
		}
		// A completion whose answer the kill cut off may have committed.
		if pi.Status != stripe.PaymentIntentStatusSucceeded &&
			(ack.succeeded[id] || pi.Status != stripe.PaymentIntentStatusRequiresAction) {
			t.Fatalf("acknowledged intent %s is %s (completion acknowledged: %v)", id, pi.Status, ack.succeeded[id])
		}
	}
	// Every refund stored, acknowledged or not, counts against its payment.
	stored, seen := map[string]int64{}, map[string]bool{}
	for r, err := range sc.V1Refunds.List(ctx, &stripe.RefundListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		stored[r.PaymentIntent.ID] += r.Amount
		seen[r.ID] = true
		if !bookedOnce(booked, r.ID, stripe.BalanceTransactionTypeRefund, -r.Amount) {
			t.Fatalf("refund %s of %d is not booked once for %d: %v", r.ID, r.Amount, -r.Amount, booked[r.ID])
		}
		if amount, ok := ack.refunds[r.ID]; ok && amount != r.Amount {
			t.Fatalf("refund %s of %d is stored as %d", r.ID, amount, r.Amount)
		}
	}
	// Nothing booked beyond those: no entry of a change that did not commit.
	if entries := len(booked); entries != charges+len(seen) {
		t.Fatalf("%d sources booked, %d completed payments and %d refunds", entries, charges, len(seen))
	}
	for pi, sum := range stored {
		if sum > 2000 {
			t.Fatalf("payment %s has %d refunded of 2000", pi, sum)
		}
	}
	for pi, sum := range ack.refunded {
		if stored[pi] < sum {
			t.Fatalf("payment %s has %d refunded, %d acknowledged", pi, stored[pi], sum)
		}
	}
	events := map[string]map[stripe.EventType]bool{}
	for e, err := range sc.V1Events.List(ctx, &stripe.EventListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		id := e.Data.Object["id"].(string)
		if events[id] == nil {
			events[id] = map[stripe.EventType]bool{}
		}
		events[id][e.Type] = true
	}
	for _, id := range ack.created {
		if !events[id]["payment_intent.created"] || !events[id]["payment_intent.requires_action"] {
			t.Fatalf("intent %s lacks its creation events: %v", id, events[id])
		}
		if ack.succeeded[id] && !events[id]["payment_intent.succeeded"] {
			t.Fatalf("completed intent %s lacks payment_intent.succeeded: %v", id, events[id])
		}
	}
	for id := range ack.refunds {
		if !seen[id] || !events[id]["refund.created"] {
			t.Fatalf("acknowledged refund %s: stored %v, with its refund.created event %v", id, seen[id], events[id]["refund.created"])
		}
	}
}

// bookings are the account's balance transactions by their source (a
// charge, a refund).
func bookings(t *testing.T, sc *stripe.Client) map[string][]*stripe.BalanceTransaction {
	t.Helper()
	out := map[string][]*stripe.BalanceTransaction{}
	for bt, err := range sc.V1BalanceTransactions.List(ctx, &stripe.BalanceTransactionListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		if bt.Source == nil {
			t.Fatalf("balance transaction %s has no source", bt.ID)
		}
		out[bt.Source.ID] = append(out[bt.Source.ID], bt)
	}
	return out
}

// bookedOnce: source has one balance transaction, of that type and amount.
func bookedOnce(booked map[string][]*stripe.BalanceTransaction, source string, typ stripe.BalanceTransactionType, amount int64) bool {
	bts := booked[source]
	return len(bts) == 1 && bts[0].Type == typ && bts[0].Amount == amount
}

// walRestarts is how often the SQLite writer at baseURL has started the WAL
// over, from /metrics.
func walRestarts(t *testing.T, baseURL string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^kassa_sqlite_wal_restarts_total (\d+)$`).FindStringSubmatch(metricsAt(t, baseURL))
	if m == nil {
		t.Fatal("/metrics lacks kassa_sqlite_wal_restarts_total")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
