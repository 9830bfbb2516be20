package paygateapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kassa/internal/gateway"
	"kassa/internal/store"
)

// A leased batch of notifies is posted side by side: while one shop holds
// its notify open, the others of the batch still arrive, so the batch
// takes one timeout at most and never outlives its lease.
func TestNotifiesOfABatchGoOutSideBySide(t *testing.T) {
	f := setup(t, true)
	arrived, release := make(chan string, 3), make(chan struct{})
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.URL.Path
		<-release
	}))
	t.Cleanup(shop.Close)
	var once sync.Once
	answer := func() { once.Do(func() { close(release) }) }
	t.Cleanup(answer) // before the shop closes, should the test end early
	ctx := context.Background()
	for _, trans := range []string{"T-1", "T-2", "T-3"} {
		body := strings.NewReplacer(`"T-1"`, `"`+trans+`"`, `"REQ-1"`, `"REQ-`+trans+`"`,
			"https://shop.example/notify", shop.URL+"/notify/"+trans).Replace(restBody)
		status, _, out := f.rest(t, "POST", "/api/v1/payments", f.creds.MerchantID, f.creds.HMACKey, body)
		if status != http.StatusCreated {
			t.Fatalf("%d %v", status, out)
		}
		p, _, err := f.gw.PaygatePayment(ctx, out["paymentId"].(string))
		if err != nil {
			t.Fatal(err)
		}
		err = f.gw.Store.Write(ctx, func(tx store.Tx) error {
			_, err := f.gw.FinishIntent(ctx, tx, &gateway.Caller{AccountID: f.acct}, p.IntentID, gateway.OutcomeAuthorize)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	n := &Notifier{Gateway: f.gw, Client: &http.Client{Timeout: 10 * time.Second},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan int)
	go func() {
		sent, err := n.SendDue(ctx)
		if err != nil {
			t.Error(err)
		}
		done <- sent
	}()
	seen := map[string]bool{}
	for range 3 {
		select {
		case path := <-arrived:
			seen[path] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("notifies open at once: %v; want all three of the batch", seen)
		}
	}
	answer()
	if sent := <-done; sent != 3 {
		t.Errorf("SendDue recorded %d tries; want 3", sent)
	}
}
