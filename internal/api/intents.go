package api

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"

	"kassa/internal/gateway"
	"kassa/internal/payments"
	"kassa/internal/store"
)

var intentExpansions = []string{"latest_charge", "payment_method"}

func itoa(i int) string { return strconv.Itoa(i) }

// intentFields reads the parameters create, update and confirm share.
func (d *decoder) intentUpdate() payments.IntentUpdate {
	var u payments.IntentUpdate
	u.Amount = d.optInt64("amount")
	u.Currency = d.currency("currency")
	u.CaptureMethod = d.optStr("capture_method")
	u.Description = d.optStr("description")
	u.ReceiptEmail = d.optStr("receipt_email")
	u.StatementDescriptor = d.optStr("statement_descriptor")
	u.Metadata, u.ClearMetadata = d.metadata()
	u.PaymentMethodTypes = d.methodTypes("payment_method_types")
	u.VippsReference = d.optStr("payment_method_options", "vipps", "reference")
	for _, t := range []string{"sofort", "bank_transfer_id"} {
		d.p.Ignore("payment_method_options", t)
	}
	if v, ok := d.str("confirmation_method"); ok && v != "automatic" {
		d.keep(invalidRequest(http.StatusBadRequest, "parameter_invalid", "confirmation_method",
			"Kassa supports confirmation_method=automatic only."))
	}
	// automatic_payment_methods[enabled]: every method for the currency is
	// what Kassa offers by default anyway.
	d.bool("automatic_payment_methods", "enabled")
	d.str("automatic_payment_methods", "allow_redirects")
	return u
}

func (s *Server) createIntent(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	d.required("amount")
	d.required("currency")
	u := d.intentUpdate()
	in := gateway.CreateIntentInput{Method: d.methodChoice(), Confirm: d.bool("confirm")}
	in.ReturnURL, _ = d.str("return_url")
	expand := d.expansions(intentExpansions...)
	if d.err != nil {
		return d.err
	}
	in.Amount, in.Currency = *u.Amount, *u.Currency
	in.CaptureMethod = deref(u.CaptureMethod)
	in.Description, in.ReceiptEmail, in.StatementDescriptor = deref(u.Description), deref(u.ReceiptEmail), deref(u.StatementDescriptor)
	in.Metadata, in.PaymentMethodTypes, in.VippsReference = u.Metadata, u.PaymentMethodTypes, deref(u.VippsReference)
	if len(expand) == 0 {
		// Built and rendered before the write, so SQLite's single writer
		// only claims the key, stores and saves the response. An input the
		// build refuses takes the usual way below, so its answer (the
		// error, or the replay its Idempotency-Key holds) stays the same.
		n, built, err := s.Gateway.BuildIntent(r.Context(), r.caller(), in)
		if built && err == nil {
			if body, ok := newIntentBody(n); ok {
				return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
					return body, s.Gateway.StoreIntent(ctx, tx, r.caller(), n)
				})
			}
		}
	}
	return s.changeIntent(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.PaymentIntent, error) {
		return s.Gateway.CreateIntent(ctx, tx, r.caller(), in)
	})
}

// newIntentBody renders a built intent as intentView renders it once
// stored; ok is false if that would read something stored.
func newIntentBody(n *gateway.NewIntent) (body rendered, ok bool) {
	var rel intentRelations
	if e := n.Intent.LastPaymentError; e != nil && e.PaymentMethodID != "" {
		if n.PaymentMethod == nil || e.PaymentMethodID != n.PaymentMethod.ID {
			return nil, false
		}
		rel.lastPaymentMethod = n.PaymentMethod
	}
	data, err := marshalView(renderIntent(n.Intent, rel))
	return data, err == nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *Server) updateIntent(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	in := gateway.UpdateIntentInput{IntentUpdate: d.intentUpdate(), Method: d.methodChoice()}
	expand := d.expansions(intentExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.changeIntent(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.PaymentIntent, error) {
		return s.Gateway.UpdateIntent(ctx, tx, r.caller(), r.PathValue("id"), in)
	})
}

func (s *Server) confirmIntent(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	in := gateway.ConfirmIntentInput{Method: d.methodChoice()}
	in.ReturnURL, _ = d.str("return_url")
	in.Update.CaptureMethod = d.optStr("capture_method")
	in.Update.VippsReference = d.optStr("payment_method_options", "vipps", "reference")
	in.Update.ReceiptEmail = d.optStr("receipt_email")
	// Browsers' confirmations send these; they carry nothing for Kassa.
	d.p.Ignore("use_stripe_sdk")
	d.p.Ignore("client_secret")
	expand := d.expansions(intentExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.changeIntent(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.PaymentIntent, error) {
		return s.Gateway.ConfirmIntent(ctx, tx, r.caller(), r.PathValue("id"), in)
	})
}

func (s *Server) cancelIntent(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	reason, _ := d.str("cancellation_reason")
	expand := d.expansions(intentExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.changeIntent(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.PaymentIntent, error) {
		return s.Gateway.CancelIntent(ctx, tx, r.caller(), r.PathValue("id"), reason)
	})
}

func (s *Server) captureIntent(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	amount := d.optInt64("amount_to_capture")
	expand := d.expansions(intentExpansions...)
	if d.err != nil {
		return d.err
	}
	return s.changeIntent(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.PaymentIntent, error) {
		return s.Gateway.CaptureIntent(ctx, tx, r.caller(), r.PathValue("id"), amount)
	})
}

// finishIntent serves the test helpers that play the customer's answer.
func (s *Server) finishIntent(outcome gateway.Outcome) handlerFunc {
	return func(w http.ResponseWriter, r *request) error {
		d := &decoder{p: r.Params}
		expand := d.expansions(intentExpansions...)
		if d.err != nil {
			return d.err
		}
		return s.changeIntent(w, r, expand, func(ctx context.Context, tx store.Tx) (*payments.PaymentIntent, error) {
			return s.Gateway.FinishIntent(ctx, tx, r.caller(), r.PathValue("id"), outcome)
		})
	}
}

func (s *Server) retrieveIntent(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	clientSecret, _ := d.str("client_secret")
	expand := d.expansions(intentExpansions...)
	if err := s.read(r, d); err != nil {
		return err
	}
	publishable := r.Key.Kind == store.PublishableKey
	if publishable && len(expand) > 0 {
		return invalidRequest(http.StatusBadRequest, "parameter_invalid", "expand", "A publishable key cannot expand objects.")
	}
	var view map[string]any
	err := s.Store.Read(r.Context(), func(rd store.Reader) error {
		pi, err := rd.Intent(r.Context(), r.Account.ID, r.PathValue("id"))
		if err == store.ErrNotFound {
			return payments.NotFound("payment_intent", r.PathValue("id"), "intent")
		}
		if err != nil {
			return err
		}
		if publishable {
			if clientSecret == "" || subtle.ConstantTimeCompare([]byte(clientSecret), []byte(pi.ClientSecret)) != 1 {
				return invalidRequest(http.StatusBadRequest, "parameter_invalid", "client_secret",
					"The client_secret provided does not match the client_secret associated with the PaymentIntent.")
			}
		}
		view, err = intentView(r.Context(), rd, pi, expand)
		return err
	})
	if err != nil {
		return err
	}
	if publishable {
		view = publicIntent(view)
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

func (s *Server) listIntents(w http.ResponseWriter, r *request) error {
	d := &decoder{p: r.Params}
	q := d.listQuery()
	expand := d.expansions("data.latest_charge", "data.payment_method")
	if err := s.read(r, d); err != nil {
		return err
	}
	return s.list(w, r, "/v1/payment_intents", func(ctx context.Context, rd store.Reader) (any, error) {
		items, more, err := rd.ListIntents(ctx, r.Account.ID, q)
		if err != nil {
			return nil, err
		}
		data := make([]map[string]any, len(items))
		for i, pi := range items {
			if data[i], err = intentView(ctx, rd, pi, expand); err != nil {
				return nil, err
			}
		}
		return listEnvelope("/v1/payment_intents", data, more), nil
	})
}

// changeIntent runs an intent command through change and renders the
// intent it returns.
func (s *Server) changeIntent(w http.ResponseWriter, r *request, expand map[string]bool, fn func(context.Context, store.Tx) (*payments.PaymentIntent, error)) error {
	return s.change(w, r, func(ctx context.Context, tx store.Tx) (any, error) {
		pi, err := fn(ctx, tx)
		if err != nil {
			return nil, err
		}
		return intentView(ctx, tx, pi, expand)
	})
}

// intentView renders an intent with its embedded and expanded relations.
func intentView(ctx context.Context, rd store.Reader, pi *payments.PaymentIntent, expand map[string]bool) (map[string]any, error) {
	var rel intentRelations
	if e := pi.LastPaymentError; e != nil && e.PaymentMethodID != "" {
		pm, err := rd.PaymentMethod(ctx, pi.AccountID, e.PaymentMethodID)
		if err != nil {
			return nil, err
		}
		rel.lastPaymentMethod = pm
	}
	view := renderIntent(pi, rel)
	if expand["latest_charge"] && pi.LatestChargeID != "" {
		ch, err := rd.Charge(ctx, pi.AccountID, pi.LatestChargeID)
		if err != nil {
			return nil, err
		}
		if view["latest_charge"], err = chargeView(ctx, rd, ch); err != nil {
			return nil, err
		}
	}
	if expand["payment_method"] && pi.PaymentMethodID != "" {
		pm, err := rd.PaymentMethod(ctx, pi.AccountID, pi.PaymentMethodID)
		if err != nil {
			return nil, err
		}
		view["payment_method"] = renderPaymentMethod(pm)
	}
	return view, nil
}
