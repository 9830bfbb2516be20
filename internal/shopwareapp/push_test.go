package shopwareapp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/internal/gateway"
	"kassa/internal/payments"
	"kassa/internal/shopware"
	"kassa/internal/store"
)

// adminAPI is a fake Shopware Admin API: it hands tokens to the
// integration's credentials and records the state transitions it is asked for.
type adminAPI struct {
	srv         *httptest.Server
	key, secret string
	mu          sync.Mutex
	failNext    int // answer 503 to this many transition calls first
	refuse      bool
	transitions []string // "transactionID paid"
	// held, when set, gets each state transition call as it arrives, which
	// is answered only once release is closed.
	held    chan string
	release chan struct{}
	// token is the one access token the API accepts; tokens counts how
	// many times one was asked for.
	token  string
	tokens int
}

// rotate makes the API accept only a new token (as if it revoked the old).
func (a *adminAPI) rotate(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.token = token
}

func (a *adminAPI) tokenRequests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tokens
}

func (a *adminAPI) authorized(r *http.Request) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return r.Header.Get("Authorization") == "Bearer "+a.token
}

func newAdminAPI(t *testing.T, key, secret string) *adminAPI {
	a := &adminAPI{key: key, secret: secret, token: "admin-token-123"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		var c map[string]string
		json.NewDecoder(r.Body).Decode(&c)
		if c["grant_type"] != "client_credentials" || c["client_id"] != a.key || c["client_secret"] != a.secret {
			http.Error(w, `{"errors":[{"code":"invalid_client"}]}`, http.StatusUnauthorized)
			return
		}
		a.mu.Lock()
		a.tokens++
		token := a.token
		a.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 600, "access_token": token})
	})
	mux.HandleFunc("POST /api/_action/order_transaction_capture_refund/{id}/state/{transition}", func(w http.ResponseWriter, r *http.Request) {
		if !a.authorized(r) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		a.transitions = append(a.transitions, "refund "+r.PathValue("id")+" "+r.PathValue("transition"))
		w.Write([]byte(`{}`))
	})
	mux.HandleFunc("POST /api/_action/order_transaction/{id}/state/{transition}", func(w http.ResponseWriter, r *http.Request) {
		if !a.authorized(r) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if a.held != nil {
			a.held <- r.PathValue("id")
			<-a.release
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.failNext > 0 {
			a.failNext--
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		if a.refuse {
			http.Error(w, `{"errors":[{"code":"SYSTEM__ILLEGAL_STATE_TRANSITION"}]}`, http.StatusBadRequest)
			return
		}
		a.transitions = append(a.transitions, r.PathValue("id")+" "+r.PathValue("transition"))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"technicalName":"paid"}`))
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

// installWithAdminAPI installs a shop whose Admin API is a fake one.
func (e *env) installWithAdminAPI(id string) (*fakeShop, *adminAPI) {
	s := e.newShop(id)
	admin := newAdminAPI(e.t, s.apiKey, s.apiSec)
	s.url = admin.srv.URL
	s.install()
	return s, admin
}

func (a *adminAPI) recorded() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.transitions...)
}

func (e *env) pushes() []*shopware.Push {
	e.t.Helper()
	var out []*shopware.Push
	e.st.Read(e.t.Context(), func(r store.Reader) error {
		var err error
		out, err = r.ShopwarePushes(e.t.Context(), e.account)
		return err
	})
	return out
}

// transferLater pays an IDR order by bank transfer: the customer gets the
// virtual account and returns (finalize: process), then transfers.
func transferLater(t *testing.T, e *env, s *fakeShop, o order) {
	t.Helper()
	before := len(e.pushes())
	ans := s.pay(o)
	c := newCustomer(t)
	account := c.follow(c.submit(c.get(ans.RedirectURL), "/transfer/bank", url.Values{"bank": {"bca"}}))
	if got := s.finalize(o, ""); got != (paymentAnswer{Status: "process"}) {
		t.Fatalf("finalize answered %+v; want process", got)
	}
	if n := len(e.pushes()) - before; n != 0 {
		t.Fatalf("%d pushes before the transfer", n)
	}
	done := c.submit(account, "/transfer/pay", nil)
	if done.status != http.StatusSeeOther {
		t.Fatalf("transfer: %d %s", done.status, done.body)
	}
}

func TestLateBankTransferReachesPaidThroughTheAdminAPI(t *testing.T) {
	e := newEnv(t)
	s, admin := e.installWithAdminAPI("shopV")
	admin.failNext = 1
	o := order{transactionID: "tx-late-transfer", number: "10090", method: "bank_transfer_id", total: "250000.00", currency: "IDR", country: "ID"}
	transferLater(t, e, s, o)

	// The push was committed with the payment.
	pushes := e.pushes()
	if len(pushes) != 1 || pushes[0].Transition != "paid" || pushes[0].Status != shopware.PushPending || pushes[0].TransactionID != o.transactionID {
		t.Fatalf("pushes %+v; want one pending paid push", pushes)
	}
	if pi := e.intents()[0]; pi.Status != payments.Succeeded {
		t.Fatalf("intent %s", pi.Status)
	}

	// The shop is down for maintenance: the push waits and is retried.
	if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("PushDue = %d, %v", n, err)
	}
	p := e.pushes()[0]
	if p.Status != shopware.PushPending || p.Attempts != 1 || !strings.Contains(p.LastError, "503") || !p.NextAttemptAt.After(e.clock.Now()) {
		t.Fatalf("after a 503: %+v", p)
	}
	if n, _ := e.pusher.PushDue(t.Context()); n != 0 {
		t.Fatal("a push was retried before its time")
	}
	e.clock.Advance(time.Minute)
	if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("retry: PushDue = %d, %v", n, err)
	}
	if got := admin.recorded(); len(got) != 1 || got[0] != o.transactionID+" paid" {
		t.Fatalf("the Admin API recorded %v; want [%s paid]", got, o.transactionID)
	}
	if p := e.pushes()[0]; p.Status != shopware.PushDone || p.Attempts != 2 {
		t.Errorf("push after success: %+v", p)
	}
	// Done is done: nothing is sent twice.
	e.clock.Advance(time.Hour)
	e.pusher.PushDue(t.Context())
	if got := admin.recorded(); len(got) != 1 {
		t.Errorf("the transition was pushed %d times", len(got))
	}
}

// Pushes are leased one at a time, each for as long as one push may take:
// while the shop holds one open, the next is not leased yet, so a batch
// behind a slow shop never outlasts its lease.
func TestPushesAreLeasedOneAtATime(t *testing.T) {
	e := newEnv(t)
	s, admin := e.installWithAdminAPI("shopL")
	admin.held, admin.release = make(chan string, 2), make(chan struct{})
	for _, id := range []string{"tx-lease-1", "tx-lease-2"} {
		transferLater(t, e, s, order{transactionID: id, number: "N-" + id, method: "bank_transfer_id", total: "150000", currency: "IDR", country: "ID"})
	}
	pushed := make(chan int)
	go func() {
		n, err := e.pusher.PushDue(t.Context())
		if err != nil {
			t.Error(err)
		}
		pushed <- n
	}()
	first := <-admin.held
	leased := map[string]time.Time{}
	for _, p := range e.pushes() {
		leased[p.TransactionID] = p.LeaseUntil
	}
	second := map[string]string{"tx-lease-1": "tx-lease-2", "tx-lease-2": "tx-lease-1"}[first]
	if want := e.clock.Now().Add(2*e.pusher.client().Timeout + 10*time.Second); !leased[first].Equal(want) || !leased[second].IsZero() {
		t.Errorf("while %s is held: leases %v; want %s until %v and %s not leased", first, leased, first, want, second)
	}
	close(admin.release)
	select {
	case got := <-admin.held:
		if got != second {
			t.Errorf("second push for %s; want %s", got, second)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no push for %s after the first", second)
	}
	if n := <-pushed; n != 2 {
		t.Fatalf("PushDue = %d; want 2", n)
	}
	if got := admin.recorded(); len(got) != 2 {
		t.Fatalf("the Admin API recorded %v", got)
	}
}

func TestPushRefusedByTheShopIsGivenUp(t *testing.T) {
	e := newEnv(t)
	s, admin := e.installWithAdminAPI("shopW")
	admin.refuse = true // e.g. the merchant already marked it paid by hand
	transferLater(t, e, s, order{transactionID: "tx-refused-push", number: "10091", method: "bank_transfer_id", total: "150000", currency: "IDR", country: "ID"})
	e.pusher.PushDue(t.Context())
	if p := e.pushes()[0]; p.Status != shopware.PushFailed || !strings.Contains(p.LastError, "ILLEGAL_STATE_TRANSITION") {
		t.Errorf("push %+v; want failed with Shopware's reason", p)
	}
}

func TestNoPushWhenFinalizeReportsTheOutcome(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopX")
	s.install()
	o := sofortOrder("tx-sofort-no-push")
	ans := s.pay(o)
	c := newCustomer(t)
	c.submit(c.get(ans.RedirectURL), "/cancel", nil)
	if n := len(e.pushes()); n != 0 {
		t.Errorf("%d pushes for an outcome finalize reports", n)
	}
}

func TestMerchantCancelAfterFinalizeIsPushed(t *testing.T) {
	e := newEnv(t)
	s, admin := e.installWithAdminAPI("shopY")
	o := order{transactionID: "tx-merchant-cancel", number: "10092", method: "bank_transfer_id", total: "150000", currency: "IDR", country: "ID"}
	ans := s.pay(o)
	c := newCustomer(t)
	c.submit(c.get(ans.RedirectURL), "/transfer/bank", url.Values{"bank": {"bca"}})
	if got := s.finalize(o, ""); got.Status != "process" {
		t.Fatalf("finalize %+v", got)
	}
	// The merchant gives up on the transfer through Kassa's API.
	pi := e.intents()[0]
	err := e.st.Write(t.Context(), func(tx store.Tx) error {
		_, err := e.gw.CancelIntent(t.Context(), tx, &gateway.Caller{AccountID: e.account}, pi.ID, "abandoned")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("PushDue = %d, %v", n, err)
	}
	if got := admin.recorded(); len(got) != 1 || got[0] != o.transactionID+" cancel" {
		t.Errorf("the Admin API recorded %v; want [%s cancel]", got, o.transactionID)
	}
	if n := len(e.pushes()); n != 1 {
		t.Errorf("%d pushes; want 1", n)
	}
}

// paidIntent pays o (the only order of the env) and returns its intent.
func paidIntent(t *testing.T, e *env, s *fakeShop, o order) string {
	t.Helper()
	paidOrder(t, s, o)
	return e.intents()[0].ID
}

// merchantRefund refunds through Kassa's own refunds command (what
// POST /v1/refunds runs) and lets the acquirer answer.
func (e *env) merchantRefund(intentID string, amount int64, outcome gateway.RefundOutcome) {
	e.t.Helper()
	c := &gateway.Caller{AccountID: e.account}
	err := e.st.Write(e.t.Context(), func(tx store.Tx) error {
		r, err := e.gw.CreateRefund(e.t.Context(), tx, c, gateway.CreateRefundInput{PaymentIntent: intentID, RefundInput: payments.RefundInput{Amount: &amount}})
		if err != nil {
			return err
		}
		_, err = e.gw.FinishRefund(e.t.Context(), tx, c, r.ID, outcome)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func TestMerchantRefundsMoveTheOrderTransaction(t *testing.T) {
	e := newEnv(t)
	s, admin := e.installWithAdminAPI("shopMerchantRefund")
	o := sofortOrder("tx-merchant-refunds") // 395.01 EUR
	pi := paidIntent(t, e, s, o)

	// A refund the acquirer declines gave nothing back: nothing to tell.
	e.merchantRefund(pi, 1000, gateway.RefundFail)
	if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 0 {
		t.Fatalf("after a failed refund: PushDue = %d, %v; want nothing", n, err)
	}
	e.merchantRefund(pi, 10000, gateway.RefundSucceed)
	if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("after a partial refund: PushDue = %d, %v", n, err)
	}
	e.merchantRefund(pi, 29501, gateway.RefundSucceed)
	if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("after the rest: PushDue = %d, %v", n, err)
	}
	want := []string{o.transactionID + " refund_partially", o.transactionID + " refund"}
	if got := admin.recorded(); !slices.Equal(got, want) {
		t.Errorf("the Admin API recorded %v; want %v", got, want)
	}
	for _, p := range e.pushes() {
		if p.Status != shopware.PushDone {
			t.Errorf("push %s %s is %s", p.ID, p.Transition, p.Status)
		}
	}
}

func TestAdminTokenIsCachedUntilShortlyBeforeItExpires(t *testing.T) {
	e := newEnv(t)
	s, admin := e.installWithAdminAPI("shopToken")
	pi := paidIntent(t, e, s, sofortOrder("tx-token"))
	refundAndPush := func(amount int64) {
		t.Helper()
		e.merchantRefund(pi, amount, gateway.RefundSucceed)
		if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 1 {
			t.Fatalf("PushDue = %d, %v", n, err)
		}
	}

	refundAndPush(100)
	refundAndPush(100)
	if n := admin.tokenRequests(); n != 1 {
		t.Errorf("%d token requests for two pushes within the token's 600 s; want 1", n)
	}
	// Within the margin before expiry (600 s - 30 s), a new token is taken.
	e.clock.Advance(570 * time.Second)
	refundAndPush(100)
	if n := admin.tokenRequests(); n != 2 {
		t.Errorf("%d token requests after 570 s; want 2", n)
	}
	// The shop revokes the token early: that push fails and is retried with a new one.
	admin.rotate("admin-token-456")
	e.merchantRefund(pi, 100, gateway.RefundSucceed)
	if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("PushDue = %d, %v", n, err)
	}
	if n := len(admin.recorded()); n != 3 {
		t.Fatalf("%d transitions recorded; want the 401 one missing", n)
	}
	e.clock.Advance(time.Hour) // past the first retry
	if n, err := e.pusher.PushDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("retry: PushDue = %d, %v", n, err)
	}
	if n := len(admin.recorded()); n != 4 || admin.tokenRequests() != 3 {
		t.Errorf("after the retry: %d transitions, %d token requests; want 4 and 3", n, admin.tokenRequests())
	}
}
