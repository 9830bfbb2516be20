package gateway

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"kassa/internal/checkout"
	"kassa/internal/ids"
	"kassa/internal/methods"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// Where the hosted checkout page lives (package checkoutpage serves it).
// The session's url is CheckoutPagePath + id + "?key=" + its page key; the
// intent's return_url is CheckoutReturnPath + id + "?key=" + the page key.
const (
	CheckoutPagePath   = "/checkout/pay/"
	CheckoutReturnPath = "/checkout/return/"
)

// InlinePrice is a line item's price_data: a price made for this session
// only, of an existing product or of one made from ProductData.
type InlinePrice struct {
	checkout.PriceInput
	Product     string
	ProductData *checkout.ProductInput
}

// SessionItem is a requested line item: an existing price or price_data.
type SessionItem struct {
	Price     string
	PriceData *InlinePrice
	Quantity  int64
}

// CreateSessionInput is a create request.
type CreateSessionInput struct {
	checkout.SessionInput // Items are resolved from LineItems
	LineItems             []SessionItem
	// IntentMetadata and IntentDescription are payment_intent_data's.
	IntentMetadata    map[string]string
	IntentDescription string
}

// CreateCheckoutSession creates an open session and its PaymentIntent.
// Inline prices and products are created with it, inactive, as at Stripe.
func (g *Gateway) CreateCheckoutSession(ctx context.Context, tx store.Tx, c *Caller, in CreateSessionInput) (*checkout.Session, error) {
	now := g.Clock.Now()
	resolved, err := g.resolveItems(ctx, tx, c, in.LineItems, now)
	if err != nil {
		return nil, err
	}
	in.Items = resolved.items
	s, err := checkout.NewSession(ids.New(ids.Session), c.AccountID, ids.Random(32), in.SessionInput, now)
	if err != nil {
		return nil, err
	}
	s.URL = g.sessionURL(CheckoutPagePath, s)
	piID := ids.New(ids.PaymentIntent)
	pi, events, err := payments.NewIntent(piID, c.AccountID, piID+"_secret_"+ids.Random(24), payments.IntentInput{
		Amount: s.AmountTotal, Currency: s.Currency, PaymentMethodTypes: s.PaymentMethodTypes,
		Metadata: in.IntentMetadata, Description: in.IntentDescription,
	}, now)
	if err != nil {
		return nil, underIntentData(err)
	}
	pi.CheckoutSessionID, s.PaymentIntentID = s.ID, pi.ID
	if err := resolved.save(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.InsertIntent(ctx, pi); err != nil {
		return nil, err
	}
	if err := tx.InsertCheckoutSession(ctx, s); err != nil {
		return nil, err
	}
	return s, g.record(ctx, tx, c.AccountID, c, events)
}

// resolvedItems are a request's line items with the inline products and
// prices to save once the session is valid.
type resolvedItems struct {
	items    []checkout.ItemInput
	products []*checkout.Product
	prices   []*checkout.Price
}

func (r *resolvedItems) save(ctx context.Context, tx store.Tx) error {
	for _, p := range r.products {
		if err := tx.InsertProduct(ctx, p); err != nil {
			return err
		}
	}
	for _, p := range r.prices {
		if err := tx.InsertPrice(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// resolveItems loads each line item's price, or builds it from price_data.
func (g *Gateway) resolveItems(ctx context.Context, tx store.Tx, c *Caller, lineItems []SessionItem, now time.Time) (*resolvedItems, error) {
	out := &resolvedItems{items: make([]checkout.ItemInput, len(lineItems))}
	for i, li := range lineItems {
		item := checkout.ItemInput{ID: ids.New(ids.LineItem), Quantity: li.Quantity, Param: fmt.Sprintf("line_items[%d]", i)}
		switch {
		case li.Price != "" && li.PriceData != nil:
			return nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: item.Param,
				Message: "A line item takes either price or price_data, not both."}
		case li.Price != "":
			item.CurrencyParam = item.Param + "[price]"
			p, err := price(ctx, tx, c.AccountID, li.Price, item.CurrencyParam)
			if err != nil {
				return nil, err
			}
			if item.Product, err = tx.Product(ctx, c.AccountID, p.ProductID); err != nil {
				return nil, err
			}
			item.Price = p
		case li.PriceData != nil:
			prefix := item.Param + "[price_data]"
			item.CurrencyParam = prefix + "[currency]"
			prod, created, err := g.inlineProduct(ctx, tx, c, li.PriceData, prefix, now)
			if err != nil {
				return nil, err
			}
			if created {
				out.products = append(out.products, prod)
			}
			p, err := checkout.NewPrice(ids.New(ids.Price), prod, li.PriceData.PriceInput, prefix, true, now)
			if err != nil {
				return nil, err
			}
			item.Product, item.Price = prod, p
			out.prices = append(out.prices, p)
		default:
			return nil, &payments.Error{Code: payments.CodeParameterMissing, Param: item.Param + "[price]",
				Message: "Each line item needs a price or price_data."}
		}
		out.items[i] = item
	}
	return out, nil
}

// inlineProduct finds price_data's product, or builds (unsaved, inactive)
// the one product_data describes.
func (g *Gateway) inlineProduct(ctx context.Context, tx store.Tx, c *Caller, in *InlinePrice, prefix string, now time.Time) (*checkout.Product, bool, error) {
	switch {
	case in.Product != "" && in.ProductData != nil:
		return nil, false, &payments.Error{Code: payments.CodeParameterInvalid, Param: prefix + "[product_data]",
			Message: "You may only specify one of product and product_data."}
	case in.Product != "":
		p, err := product(ctx, tx, c.AccountID, in.Product, prefix+"[product]")
		return p, false, err
	case in.ProductData == nil:
		return nil, false, payments.Missing(prefix + "[product_data]")
	}
	data := *in.ProductData
	inactive := false
	data.Active = &inactive
	p, err := checkout.NewProduct(ids.New(ids.Product), c.AccountID, data, prefix+"[product_data]", now)
	return p, err == nil, err
}

// underIntentData moves an intent error's param (metadata[k],
// description) under payment_intent_data, where the request had it.
func underIntentData(err error) error {
	var e *payments.Error
	if !errors.As(err, &e) || (e.Param != "description" && !strings.HasPrefix(e.Param, "metadata")) {
		return err
	}
	c := *e
	head, rest, _ := strings.Cut(e.Param, "[")
	if rest != "" {
		rest = "[" + rest
	}
	c.Param = "payment_intent_data[" + head + "]" + rest
	return &c
}

func (g *Gateway) sessionURL(path string, s *checkout.Session) string {
	return strings.TrimRight(g.PublicURL, "/") + path + s.ID + "?key=" + s.PageKey
}

// ExpireCheckoutSession is the merchant's expire: an open session expires
// and its intent is canceled, together.
func (g *Gateway) ExpireCheckoutSession(ctx context.Context, tx store.Tx, c *Caller, id string) (*checkout.Session, error) {
	s, err := session(ctx, tx, c.AccountID, id)
	if err != nil {
		return nil, err
	}
	return s, g.expireSession(ctx, tx, s, c)
}

// expireSession expires an open session and cancels its intent (a
// customer at the bank finds the attempt no longer valid), saving both
// with their events.
func (g *Gateway) expireSession(ctx context.Context, tx store.Tx, s *checkout.Session, c *Caller) error {
	sessionEvents, err := checkout.Expire(s)
	if err != nil {
		return err
	}
	pi, err := tx.Intent(ctx, s.AccountID, s.PaymentIntentID)
	if err != nil {
		return err
	}
	latest, err := g.latestCharge(ctx, tx, pi)
	if err != nil {
		return err
	}
	// An open session's intent has not succeeded (that would have
	// completed the session in the same transaction), so it can be canceled.
	events, err := payments.Cancel(pi, latest, "abandoned", g.Clock.Now())
	if err != nil {
		return fmt.Errorf("gateway: expiring %s: its intent %s: %w", s.ID, pi.ID, err)
	}
	if err := g.save(ctx, tx, pi, latest); err != nil {
		return err
	}
	if err := tx.UpdateCheckoutSession(ctx, s); err != nil {
		return err
	}
	return g.record(ctx, tx, s.AccountID, c, append(events, sessionEvents...))
}

// followCheckout moves the session driving pi, if any, after pi changed:
// the hook that completes a session in the same transaction as its intent
// succeeds. It returns the session's events.
func (g *Gateway) followCheckout(ctx context.Context, tx store.Tx, pi *payments.PaymentIntent) ([]payments.Event, error) {
	if pi.CheckoutSessionID == "" {
		return nil, nil
	}
	s, err := tx.CheckoutSession(ctx, pi.AccountID, pi.CheckoutSessionID)
	if err != nil {
		return nil, err
	}
	events, err := checkout.FollowIntent(s, pi)
	if err != nil || len(events) == 0 {
		return nil, err
	}
	return events, tx.UpdateCheckoutSession(ctx, s)
}

// ExpireOverdueSessions expires every open session whose expires_at has
// passed, each in its own transaction, and returns how many it expired.
func (g *Gateway) ExpireOverdueSessions(ctx context.Context) (int, error) {
	read := readDue(ctx, g.Store, func(r store.Reader, limit int) ([]store.SessionRef, error) {
		return r.OverdueCheckoutSessions(ctx, g.Clock.Now(), limit)
	})
	return drainDue(ctx, read, func(ref store.SessionRef) (did bool, err error) {
		err = g.Store.Write(ctx, func(tx store.Tx) error {
			did = false
			s, err := tx.CheckoutSession(ctx, ref.AccountID, ref.ID)
			if err != nil || !s.Overdue(g.Clock.Now()) {
				return err // completed or expired meanwhile
			}
			did = true
			return g.expireSession(ctx, tx, s, nil)
		})
		return did, err
	})
}

func session(ctx context.Context, tx store.Reader, accountID, id string) (*checkout.Session, error) {
	s, err := tx.CheckoutSession(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payments.NotFound("checkout.session", id, "session")
	}
	return s, err
}

// --- The hosted page's commands ---

// ErrCheckoutNotFound: no session with this id and page key.
var ErrCheckoutNotFound = errors.New("gateway: no such checkout session")

// CheckoutView is what the hosted page shows.
type CheckoutView struct {
	Session     *checkout.Session
	Intent      *payments.PaymentIntent
	AccountName string
	// PaymentMethod is the method of the attempt in progress, if any.
	PaymentMethod *payments.PaymentMethod
}

// Checkout loads a session for its hosted page. An open session past its
// expires_at is expired first (its timer may not have run yet).
func (g *Gateway) Checkout(ctx context.Context, id, key string) (CheckoutView, error) {
	var view CheckoutView
	err := g.Store.Write(ctx, func(tx store.Tx) error {
		s, err := pageSession(ctx, tx, id, key)
		if err != nil {
			return err
		}
		if s.Overdue(g.Clock.Now()) {
			if err := g.expireSession(ctx, tx, s, nil); err != nil {
				return err
			}
		}
		view, err = g.checkoutView(ctx, tx, s)
		return err
	})
	return view, err
}

func (g *Gateway) checkoutView(ctx context.Context, tx store.Reader, s *checkout.Session) (CheckoutView, error) {
	view := CheckoutView{Session: s}
	account, err := tx.Account(ctx, s.AccountID)
	if err != nil {
		return view, err
	}
	view.AccountName = account.Name
	if view.Intent, err = tx.Intent(ctx, s.AccountID, s.PaymentIntentID); err != nil {
		return view, err
	}
	if pi := view.Intent; pi.Status == payments.RequiresAction && pi.PaymentMethodID != "" {
		view.PaymentMethod, err = tx.PaymentMethod(ctx, s.AccountID, pi.PaymentMethodID)
	}
	return view, err
}

// pageSession finds a session by id and checks the page key in constant time.
func pageSession(ctx context.Context, tx store.Reader, id, key string) (*checkout.Session, error) {
	s, err := tx.CheckoutSessionByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrCheckoutNotFound
	}
	if err != nil {
		return nil, err
	}
	if key == "" || subtle.ConstantTimeCompare([]byte(key), []byte(s.PageKey)) != 1 {
		return nil, ErrCheckoutNotFound
	}
	return s, nil
}

// CheckoutPayment is what the customer chose on the hosted page.
type CheckoutPayment struct {
	Method  methods.Type
	Country string // ISO 3166-1 alpha-2, upper case; "" if not asked
}

// reasonOtherMethod ends an attempt the customer left for another one.
const reasonOtherMethod = "The customer started another payment attempt on the Checkout page."

// PayCheckout starts (or resumes) the customer's payment: it confirms the
// session's intent with a new payment method and returns the acquirer's
// redirect. Choosing the same method and country again while an attempt is
// pending resumes that attempt; choosing differently ends it first. A
// session past its expires_at is expired (committed) and reported with
// checkout's unexpected-state error, as one no longer open is.
func (g *Gateway) PayCheckout(ctx context.Context, id, key string, in CheckoutPayment) (redirect string, err error) {
	expired := false
	err = g.Store.Write(ctx, func(tx store.Tx) error {
		s, err := pageSession(ctx, tx, id, key)
		if err != nil {
			return err
		}
		now := g.Clock.Now()
		if s.Overdue(now) {
			expired = true
			return g.expireSession(ctx, tx, s, nil)
		}
		if _, err := checkout.Pay(s, in.Method, in.Country); err != nil {
			return err
		}
		pi, err := tx.Intent(ctx, s.AccountID, s.PaymentIntentID)
		if err != nil {
			return err
		}
		if pi.Status == payments.RequiresAction && pi.Pending != nil {
			resumed, err := g.resumeOrEnd(ctx, tx, pi, in)
			if err != nil || resumed {
				redirect = pi.Pending.RedirectURL
				return err
			}
		}
		billing := payments.BillingDetails{Email: s.CustomerEmail, Address: payments.Address{Country: in.Country}}
		pm, err := payments.NewPaymentMethod(ids.New(ids.PaymentMethod), s.AccountID, in.Method, billing, nil, "", now)
		if err != nil {
			return err
		}
		if err := tx.InsertPaymentMethod(ctx, pm); err != nil {
			return err
		}
		events, err := g.confirm(ctx, pi, pm, payments.ConfirmInput{ReturnURL: g.sessionURL(CheckoutReturnPath, s)})
		if err != nil {
			return err
		}
		if err := tx.UpdateIntent(ctx, pi); err != nil {
			return err
		}
		if err := tx.UpdateCheckoutSession(ctx, s); err != nil {
			return err
		}
		redirect = pi.Pending.RedirectURL
		return g.record(ctx, tx, s.AccountID, nil, events)
	})
	if err == nil && expired {
		err = &payments.Error{Code: checkout.CodeUnexpectedState, Message: "This Checkout Session has expired."}
	}
	return redirect, err
}

// resumeOrEnd handles a pending attempt when the customer pays again: the
// same choice resumes it (resumed is true); another, or an overdue
// attempt, ends it so a new one can start.
func (g *Gateway) resumeOrEnd(ctx context.Context, tx store.Tx, pi *payments.PaymentIntent, in CheckoutPayment) (resumed bool, err error) {
	attempt := pi.Pending.Attempt
	if payments.Overdue(pi, g.Clock.Now()) {
		return false, g.finishAttempt(ctx, tx, pi, attempt, OutcomeExpire, "", nil)
	}
	pm, err := tx.PaymentMethod(ctx, pi.AccountID, pi.PaymentMethodID)
	if err != nil {
		return false, err
	}
	if pm.Type == in.Method && pm.BillingDetails.Address.Country == in.Country {
		return true, nil
	}
	return false, g.finishAttempt(ctx, tx, pi, attempt, OutcomeDecline, reasonOtherMethod, nil)
}
