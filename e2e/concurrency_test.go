package e2e

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stripe/stripe-go/v82"
)

// race fires n copies of the same request at once (call(i) for i < n) and
// counts the outcomes.
func race(n int, call func(i int) error) (ok int, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := call(i)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else {
				errs = append(errs, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	return ok, errs
}

func TestConcurrentConfirmHappensOnce(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, vippsParams(false))
	if err != nil {
		t.Fatal(err)
	}
	ok, errs := race(40, func(int) error {
		_, err := k.SC.V1PaymentIntents.Confirm(ctx, pi.ID, &stripe.PaymentIntentConfirmParams{ReturnURL: stripe.String("https://shop.example/r")})
		return err
	})
	if ok != 1 {
		t.Fatalf("%d confirmations succeeded", ok)
	}
	for _, err := range errs {
		if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" {
			t.Fatalf("loser got %+v", se)
		}
	}
	assertEventTypes(t, k, pi.ID, "payment_intent.created", "payment_intent.requires_action")
}

func TestConcurrentCaptureHappensOnce(t *testing.T) {
	k := start(t)
	p := vippsParams(true)
	p.CaptureMethod = stripe.String("manual")
	pi, err := k.SC.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/succeed", k.Keys.SecretKey, "")
	ok, errs := race(40, func(int) error {
		_, err := k.SC.V1PaymentIntents.Capture(ctx, pi.ID, &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(600)})
		return err
	})
	if ok != 1 {
		t.Fatalf("%d captures succeeded", ok)
	}
	for _, err := range errs {
		if se := stripeError(t, err); se.Code != "payment_intent_unexpected_state" {
			t.Fatalf("loser got %+v", se)
		}
	}
	pi, _ = k.SC.V1PaymentIntents.Retrieve(ctx, pi.ID, &stripe.PaymentIntentRetrieveParams{Params: stripe.Params{Expand: []*string{stripe.String("latest_charge")}}})
	if pi.AmountReceived != 600 || pi.LatestCharge.AmountCaptured != 600 {
		t.Fatalf("captured %d / %d", pi.AmountReceived, pi.LatestCharge.AmountCaptured)
	}
}

// TestConcurrentSucceedAndFailHappenOnce: approvals, rejections and expiries
// of one attempt arrive at once; exactly one outcome wins.
func TestConcurrentSucceedAndFailHappenOnce(t *testing.T) {
	k := start(t)
	pi, err := k.SC.V1PaymentIntents.Create(ctx, sofortParams())
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := race(30, func(i int) error {
		action := []string{"succeed", "fail", "expire"}[i%3]
		r := k.call("POST", "/v1/test_helpers/payment_intents/"+pi.ID+"/"+action, k.Keys.SecretKey, "")
		if r.Status != 200 {
			return errStatus(r.Status)
		}
		return nil
	})
	if ok != 1 {
		t.Fatalf("%d outcomes applied", ok)
	}
	n := 0
	for range k.SC.V1Charges.List(ctx, &stripe.ChargeListParams{PaymentIntent: stripe.String(pi.ID)}) {
		n++
	}
	if n != 1 {
		t.Fatalf("%d charges for one attempt", n)
	}
}

type errStatus int

func (e errStatus) Error() string { return fmt.Sprintf("HTTP status %d", int(e)) }
