package gateway_test

import (
	"context"
	"errors"
	"testing"

	"kassa/internal/gateway"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/sandbox"
	"kassa/internal/store"
)

// vippsPayment pays with Vipps through the customer's approval, with or
// without saving the agreement, and returns the intent and its method.
func vippsPayment(t *testing.T, gw *gateway.Gateway, c *gateway.Caller, setup string) (*payments.PaymentIntent, string) {
	t.Helper()
	ctx := context.Background()
	var pi *payments.PaymentIntent
	err := gw.Store.Write(ctx, func(tx store.Tx) error {
		var err error
		pi, err = gw.CreateIntent(ctx, tx, c, gateway.CreateIntentInput{
			IntentInput: payments.IntentInput{Amount: 24900, Currency: "nok", SetupFutureUsage: setup},
			Method: gateway.MethodChoice{Data: &gateway.PaymentMethodInput{Type: methods.Vipps,
				BillingDetails: payments.BillingDetails{Address: payments.Address{Country: "NO"}}}},
			Confirm: true, ReturnURL: "https://shop.example/r",
		})
		if err != nil {
			return err
		}
		pi, err = gw.FinishIntent(ctx, tx, c, pi.ID, gateway.OutcomeAuthorize)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return pi, pi.PaymentMethodID
}

func chargeOffSession(gw *gateway.Gateway, c *gateway.Caller, pm string, amount int64) (*payments.PaymentIntent, error) {
	ctx := context.Background()
	var pi *payments.PaymentIntent
	err := gw.Store.Write(ctx, func(tx store.Tx) error {
		var err error
		pi, err = gw.ChargeOffSession(ctx, tx, c, payments.IntentInput{Amount: amount, Currency: "nok", Description: "Month 2"}, pm)
		return err
	})
	return pi, err
}

func TestChargeOffSession(t *testing.T) {
	ctx := context.Background()
	gw, c := benchGateway(t)

	first, pm := vippsPayment(t, gw, c, payments.SetupOffSession)
	if first.Status != payments.Succeeded {
		t.Fatalf("first payment %s", first.Status)
	}
	again, err := chargeOffSession(gw, c, pm, 19900)
	if err != nil {
		t.Fatal(err)
	}
	if again.Status != payments.Succeeded || again.AmountReceived != 19900 || again.Pending != nil || again.PaymentMethodID != pm {
		t.Errorf("off-session charge: %+v", again)
	}
	var types []string
	err = gw.Store.Read(ctx, func(r store.Reader) error {
		events, _, err := r.ListEvents(ctx, c.AccountID, store.ListQuery{Limit: 100})
		for _, e := range events {
			if obj, ok := e.Object.(*payments.PaymentIntent); ok && obj.ID == again.ID {
				types = append(types, e.Type)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Created and succeeded, never requires_action: the customer never saw it.
	if len(types) != 2 || types[0] != payments.EventIntentSucceeded && types[1] != payments.EventIntentSucceeded {
		t.Errorf("off-session charge events %v; want created and succeeded", types)
	}
	for _, typ := range types {
		if typ == payments.EventIntentRequiresAction {
			t.Errorf("off-session charge emitted %s (events %v)", typ, types)
		}
	}

	// The customer stops the agreement: the next charge is declined.
	if err := gw.Store.Write(ctx, func(tx store.Tx) error {
		_, err := gw.RevokeAgreement(ctx, tx, c, pm)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	declined, err := chargeOffSession(gw, c, pm, 19900)
	if err != nil {
		t.Fatal(err)
	}
	if declined.Status != payments.RequiresPaymentMethod || declined.LastPaymentError == nil ||
		declined.LastPaymentError.Message != sandbox.ReasonAgreementRevoked {
		t.Errorf("charge of a revoked agreement: %s %+v", declined.Status, declined.LastPaymentError)
	}

	// A payment that did not ask to save the agreement cannot be charged again.
	_, plain := vippsPayment(t, gw, c, "")
	var perr *payments.Error
	if _, err := chargeOffSession(gw, c, plain, 100); !errors.As(err, &perr) || perr.Param != "payment_method" {
		t.Errorf("charge without an agreement: %v; want a payment_method error", err)
	}
}
