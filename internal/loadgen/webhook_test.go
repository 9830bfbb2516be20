package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kassa/internal/webhooks"
)

const testSecret = "whsec_test"

var base = time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)

// deliver posts an event to r as Kassa would, signed with secret at t.
func deliver(t *testing.T, r *Receiver, secret, eventID, typ, objectID string, at time.Time) int {
	t.Helper()
	body := fmt.Sprintf(`{"id":%q,"object":"event","type":%q,"created":%d,"data":{"object":{"id":%q}}}`,
		eventID, typ, at.Unix(), objectID)
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set(webhooks.SignatureHeader, webhooks.Sign(secret, at, []byte(body)))
	r.now = func() time.Time { return at }
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w.Code
}

func TestReceiverMatchesEventsToTheRequestsThatCausedThem(t *testing.T) {
	r := NewReceiver(testSecret)
	ms := time.Millisecond
	r.Succeeded(OpCreateConfirm, "pi_1", base)
	r.Succeeded(OpComplete, "pi_1", base.Add(100*ms))
	r.Succeeded(OpRefund, "re_1", base.Add(200*ms))
	r.Succeeded(OpCreateConfirm, "pi_2", base.Add(300*ms)) // its event never comes
	r.Succeeded(OpRetrieve, "pi_1", base)                  // causes no event: not expected
	r.Succeeded(OpCreateConfirm, "pi_3", base.Add(50*ms))  // its event beats the response

	for _, d := range []struct {
		event, typ, object string
		at                 time.Duration
	}{
		{"evt_1", "payment_intent.requires_action", "pi_1", 4 * ms},
		{"evt_2", "payment_intent.succeeded", "pi_1", 130 * ms},
		{"evt_2", "payment_intent.succeeded", "pi_1", 900 * ms}, // a retry of the same event
		{"evt_3", "refund.created", "re_1", 210 * ms},
		{"evt_4", "payment_intent.requires_action", "pi_3", 40 * ms},
		{"evt_5", "payment_intent.requires_action", "pi_9", 40 * ms}, // no request of this run
	} {
		if code := deliver(t, r, testSecret, d.event, d.typ, d.object, base.Add(d.at)); code != 200 {
			t.Fatalf("%s: HTTP %d", d.event, code)
		}
	}
	res := r.Result(base)
	want := WebhookResult{Expected: 5, Delivered: 4, Undelivered: 1, Early: 1, Duplicates: 1, Unexpected: 1}
	got := *res
	got.P50, got.P90, got.P99, got.Max, got.lags, got.Timeline = 0, 0, 0, 0, nil, nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// Lags: pi_3 came early (0), re_1 10 ms, pi_1's requires_action 4 ms and succeeded 30 ms.
	if fmt.Sprint(res.Lags()) != "[0s 4ms 10ms 30ms]" {
		t.Fatalf("lags %v", res.Lags())
	}
	if res.P50 != 10 || res.P99 != 30 || res.Max != 30 {
		t.Fatalf("percentiles %+v", res)
	}
	// All four causes were answered in the run's first second.
	if fmt.Sprint(res.Timeline) != fmt.Sprint([]Second{{At: 0, Count: 4, P50: 10, P99: 30, Max: 30}}) {
		t.Fatalf("timeline %+v", res.Timeline)
	}
}

func TestReceiverRefusesBadSignatures(t *testing.T) {
	r := NewReceiver(testSecret)
	r.Succeeded(OpCreateConfirm, "pi_1", base)
	if code := deliver(t, r, "whsec_other", "evt_1", "payment_intent.requires_action", "pi_1", base); code != 400 {
		t.Fatalf("wrong secret: HTTP %d", code)
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != 400 {
		t.Fatalf("unsigned: HTTP %d", w.Code)
	}
	res := r.Result(base)
	if res.BadSignatures != 2 || res.Delivered != 0 || res.Undelivered != 1 {
		t.Fatalf("%+v", res)
	}
}

func TestValidSignature(t *testing.T) {
	body := []byte(`{"id":"evt_1"}`)
	good := webhooks.Sign(testSecret, base, body)
	_, goodMAC, _ := strings.Cut(good, ",v1=")
	for _, c := range []struct {
		name, header string
		body         []byte
		now          time.Time
		want         bool
	}{
		{"as Kassa signs", good, body, base, true},
		{"one of two v1 holds", fmt.Sprintf("t=%d,v1=%s,v1=%s", base.Unix(), strings.Repeat("0", 64), goodMAC), body, base, true},
		{"body changed", good, []byte(`{"id":"evt_2"}`), base, false},
		{"timestamp changed", fmt.Sprintf("t=%d,v1=%s", base.Unix()+1, goodMAC), body, base, false},
		{"older than the tolerance", good, body, base.Add(signatureTolerance + time.Second), false},
		{"from the future", good, body, base.Add(-signatureTolerance - time.Second), false},
		{"no v1", fmt.Sprintf("t=%d", base.Unix()), body, base, false},
		{"no t", "v1=" + goodMAC, body, base, false},
		{"v0 only", fmt.Sprintf("t=%d,v0=%s", base.Unix(), goodMAC), body, base, false},
		{"empty", "", body, base, false},
	} {
		if got := validSignature(testSecret, c.header, c.body, c.now); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

func TestWaitReturnsOnceEveryEventArrived(t *testing.T) {
	r := NewReceiver(testSecret)
	r.Succeeded(OpCreateConfirm, "pi_1", base)
	go deliver(t, r, testSecret, "evt_1", "payment_intent.requires_action", "pi_1", base)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r.Wait(ctx)
	if ctx.Err() != nil || r.Result(base).Delivered != 1 {
		t.Fatalf("wait ended by %v with %+v", ctx.Err(), r.Result(base))
	}
}

func TestRegisterEndpointSubscribesToTheMeasuredEvents(t *testing.T) {
	var form, deleted string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "Bearer sk_test_x" {
			w.WriteHeader(401)
			return
		}
		switch {
		case req.Method == "POST" && req.URL.Path == "/v1/webhook_endpoints":
			req.ParseForm()
			form = req.PostForm.Encode()
			fmt.Fprint(w, `{"id":"we_1","object":"webhook_endpoint","secret":"whsec_abc"}`)
		case req.Method == "DELETE":
			deleted = req.URL.Path
			fmt.Fprint(w, `{"id":"we_1","deleted":true}`)
		}
	}))
	defer srv.Close()
	e, err := RegisterEndpoint(context.Background(), srv.Client().Transport, srv.URL, "sk_test_x", "http://127.0.0.1:9/")
	if err != nil || e.ID != "we_1" || e.Secret != "whsec_abc" {
		t.Fatalf("%+v %v", e, err)
	}
	want := "description=kassa+bench+receiver&enabled_events%5B%5D=payment_intent.requires_action&enabled_events%5B%5D=payment_intent.succeeded&enabled_events%5B%5D=refund.created&url=http%3A%2F%2F127.0.0.1%3A9%2F"
	if form != want {
		t.Fatalf("form %s", form)
	}
	if err := DeleteEndpoint(context.Background(), srv.Client().Transport, srv.URL, "sk_test_x", e.ID); err != nil || deleted != "/v1/webhook_endpoints/we_1" {
		t.Fatalf("delete %q %v", deleted, err)
	}
	if _, err := RegisterEndpoint(context.Background(), srv.Client().Transport, srv.URL, "sk_test_wrong", "http://x/"); err == nil {
		t.Fatal("a 401 registered")
	}
}
