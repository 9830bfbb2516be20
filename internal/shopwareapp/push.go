package shopwareapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"kassa/internal/clock"
	"kassa/internal/ids"
	"kassa/internal/payments"
	"kassa/internal/secrets"
	"kassa/internal/shopware"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// pushPrefix is the id prefix of Admin API pushes.
const pushPrefix = "swp"

// IntentSettled is the gateway's hook: when a Shopware payment settles
// after finalize answered "process" (a bank transfer paid or expired later,
// a pending payment the merchant cancels), the shop must hear of it through
// its Admin API. The push is enqueued here, in the transaction that changed
// the intent, and remembered so one outcome is pushed once.
func (s *Server) IntentSettled(ctx context.Context, tx store.Tx, pi *payments.PaymentIntent) error {
	if pi.Metadata["shopware_order_transaction_id"] == "" {
		return nil // not a Shopware payment
	}
	tr, err := tx.ShopwareTransactionByIntent(ctx, pi.AccountID, pi.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if tr.FinalStatus != actionProcess || tr.Pushed != "" {
		return nil // finalize reports the outcome itself, or it was pushed already
	}
	transition := lateTransition(pi)
	if transition == "" {
		return nil
	}
	now := s.Clock.Now()
	tr.Pushed, tr.Updated = transition, now
	if err := tx.UpdateShopwareTransaction(ctx, tr); err != nil {
		return err
	}
	return tx.InsertShopwarePush(ctx, &shopware.Push{
		ID: ids.New(pushPrefix), AccountID: tr.AccountID, ShopID: tr.ShopID, TransactionID: tr.TransactionID,
		IntentID: pi.ID, Transition: transition, Status: shopware.PushPending, NextAttemptAt: now, Created: now,
	})
}

// RefundSettled is the gateway's hook for refunds: a refund the refund
// call answered as "process" (pending) completes or fails later, and the
// shop's refund moves through the Admin API. A refund the merchant made
// through Kassa's API on a Shopware payment has no Shopware refund: when it
// is paid out, the order transaction itself moves to refunded (or
// refunded_partially), so the shop's admin shows what happened.
func (s *Server) RefundSettled(ctx context.Context, tx store.Tx, r *payments.Refund) error {
	refundID := r.Metadata["shopware_refund_id"]
	if refundID == "" {
		return s.merchantRefundSettled(ctx, tx, r)
	}
	transition := refundAction(r)
	now := s.Clock.Now()
	return tx.InsertShopwarePush(ctx, &shopware.Push{
		ID: ids.New(pushPrefix), AccountID: r.AccountID, ShopID: r.Metadata["shopware_shop_id"],
		TransactionID: r.Metadata["shopware_order_transaction_id"], IntentID: r.PaymentIntentID, RefundID: refundID,
		Transition: transition, Status: shopware.PushPending, NextAttemptAt: now, Created: now,
	})
}

// Order transaction actions for money given back.
const (
	actionRefund          = "refund"
	actionRefundPartially = "refund_partially"
)

func (s *Server) merchantRefundSettled(ctx context.Context, tx store.Tx, r *payments.Refund) error {
	if r.Status != payments.RefundSucceeded {
		return nil // a failed or canceled refund gave nothing back
	}
	tr, err := tx.ShopwareTransactionByIntent(ctx, r.AccountID, r.PaymentIntentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // not a Shopware payment
	}
	if err != nil {
		return err
	}
	ch, err := tx.Charge(ctx, r.AccountID, r.ChargeID)
	if err != nil {
		return err
	}
	paidBack, err := succeededRefunds(ctx, tx, r.AccountID, r.PaymentIntentID)
	if err != nil {
		return err
	}
	transition := actionRefundPartially
	if paidBack >= ch.AmountCaptured {
		transition = actionRefund
	}
	now := s.Clock.Now()
	return tx.InsertShopwarePush(ctx, &shopware.Push{
		ID: ids.New(pushPrefix), AccountID: tr.AccountID, ShopID: tr.ShopID, TransactionID: tr.TransactionID,
		IntentID: r.PaymentIntentID, Transition: transition, Status: shopware.PushPending, NextAttemptAt: now, Created: now,
	})
}

// succeededRefunds sums the refunds of an intent that were paid out.
func succeededRefunds(ctx context.Context, tx store.Reader, accountID, intentID string) (int64, error) {
	var sum int64
	q := store.ListQuery{Limit: 100, PaymentIntent: intentID}
	for {
		page, more, err := tx.ListRefunds(ctx, accountID, q)
		if err != nil {
			return 0, err
		}
		for _, r := range page {
			if r.Status == payments.RefundSucceeded {
				sum += r.Amount
			}
		}
		if !more || len(page) == 0 {
			return sum, nil
		}
		q.StartingAfter = page[len(page)-1].ID
	}
}

// lateTransition is the order_transaction transition for an intent's new state.
func lateTransition(pi *payments.PaymentIntent) string {
	switch pi.Status {
	case payments.Succeeded:
		return actionPaid
	case payments.RequiresCapture:
		return actionAuthorize
	case payments.RequiresPaymentMethod:
		return actionFail
	case payments.Canceled:
		return actionCancel
	}
	return ""
}

// Pusher sends the pushes: it leases due ones, moves each order
// transaction through the shop's Admin API (OAuth client credentials from
// the confirmation) and records the outcome, retrying on the webhook
// schedule. Pushes are at least once; a transition Shopware refuses as
// illegal (the admin already moved it) is given up, not retried.
type Pusher struct {
	Store   store.Store
	Secrets *secrets.Box
	Clock   clock.Clock
	Logger  *slog.Logger
	// Client makes the Admin API calls (default: a 10 s timeout); its
	// timeout also sets how long a push stays leased (see lease).
	Client *http.Client
	// Interval is how often due pushes are looked for (default 1 s).
	Interval time.Duration

	// tokens caches each shop's Admin API access token until shortly
	// before it expires, so pushes do not ask for one each time.
	mu     sync.Mutex
	tokens map[tokenKey]cachedToken
}

// tokenKey names a token: the shop and the credentials it was issued to
// (a re-registration hands out new ones, which must not reuse the old token).
type tokenKey struct{ accountID, shopID, base, clientID string }

type cachedToken struct {
	value     string
	renewFrom time.Time
}

// tokenMargin is how long before its expiry a token is renewed, so one
// taken from the cache does not run out on its way to the shop.
const tokenMargin = 30 * time.Second

// lease outlasts one push, its token request and state transition each
// within the client's timeout, by a margin: a push left by a dead
// instance is sent again soon after it could no longer be on its way.
func (p *Pusher) lease() time.Duration {
	return 2*p.client().Timeout + 10*time.Second
}

func (p *Pusher) client() *http.Client {
	if p.Client == nil {
		return defaultClient
	}
	return p.Client
}

var defaultClient = &http.Client{Timeout: 10 * time.Second}

// Run pushes until ctx ends.
func (p *Pusher) Run(ctx context.Context) {
	interval := p.Interval
	if interval == 0 {
		interval = time.Second
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := p.PushDue(ctx); err != nil && ctx.Err() == nil {
			p.Logger.Error("shopware: pushing state transitions", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// PushDue sends the pushes due now and returns how many it sent (or
// tried). It leases them one at a time, each for as long as one push can
// take: a batch sent in turn could outlast its lease behind a shop that
// hangs, and another instance would then send the rest again.
func (p *Pusher) PushDue(ctx context.Context) (int, error) {
	for tried := 0; ; tried++ {
		claim := ids.Random(24)
		now := p.Clock.Now()
		var due []*shopware.Push
		err := p.Store.Write(ctx, func(tx store.Tx) error {
			var err error
			due, err = tx.ClaimShopwarePushes(ctx, claim, now, now.Add(p.lease()), 1)
			return err
		})
		if err != nil || len(due) == 0 {
			return tried, err
		}
		sendErr, permanent := p.send(ctx, due[0])
		p.record(ctx, due[0], sendErr, permanent)
	}
}

func (p *Pusher) record(ctx context.Context, push *shopware.Push, sendErr error, permanent bool) {
	push.Attempts++
	attrs := []any{"push", push.ID, "account", push.AccountID, "shop", push.ShopID,
		"order_transaction", push.TransactionID, "transition", push.Transition, "attempt", push.Attempts}
	switch {
	case sendErr == nil:
		push.Status, push.LastError, push.NextAttemptAt = shopware.PushDone, "", time.Time{}
		p.Logger.Info("shopware state pushed", attrs...)
	case permanent:
		push.Status, push.LastError, push.NextAttemptAt = shopware.PushFailed, sendErr.Error(), time.Time{}
		p.Logger.Error("shopware state push refused by the shop: giving up", append(attrs, "error", sendErr)...)
	default:
		push.LastError = sendErr.Error()
		next, ok := webhooks.NextAttempt(push.Created, p.Clock.Now(), push.Attempts, rand.Float64())
		if ok {
			push.NextAttemptAt = next
			p.Logger.Warn("shopware state push failed: will retry", append(attrs, "error", sendErr, "next_attempt", next)...)
		} else {
			push.Status, push.NextAttemptAt = shopware.PushFailed, time.Time{}
			p.Logger.Error("shopware state push failed: retry window closed", append(attrs, "error", sendErr)...)
		}
	}
	err := p.Store.Write(ctx, func(tx store.Tx) error { return tx.RecordShopwarePush(ctx, push) })
	if err != nil {
		p.Logger.Warn("shopware: recording a push outcome", append(attrs, "error", err)...)
	}
}

// send moves one order transaction; permanent says retrying cannot help.
func (p *Pusher) send(ctx context.Context, push *shopware.Push) (err error, permanent bool) {
	var shop *shopware.Shop
	err = p.Store.Read(ctx, func(r store.Reader) error {
		var err error
		shop, err = r.ShopwareShop(ctx, push.AccountID, push.ShopID)
		return err
	})
	if err != nil {
		return fmt.Errorf("loading the shop: %w", err), errors.Is(err, store.ErrNotFound)
	}
	if shop.Status != shopware.ShopActive {
		return errors.New("the shop uninstalled the app"), true
	}
	key, err1 := p.Secrets.Open(shop.SealedAPIKey, shop.SealContext("api key"))
	secret, err2 := p.Secrets.Open(shop.SealedAPISecret, shop.SealContext("api secret"))
	if err := errors.Join(err1, err2); err != nil {
		return err, true
	}
	base := strings.TrimRight(shop.ShopURL, "/")
	tk := tokenKey{shop.AccountID, shop.ShopID, base, string(key)}
	token, err, permanent := p.token(ctx, tk, string(secret))
	if err != nil {
		return err, permanent
	}
	target := base + "/api/_action/order_transaction/" + url.PathEscape(push.TransactionID) + "/state/" + url.PathEscape(push.Transition)
	if push.RefundID != "" {
		target = base + "/api/_action/order_transaction_capture_refund/" + url.PathEscape(push.RefundID) + "/state/" + url.PathEscape(push.Transition)
	}
	status, body, err := p.post(ctx, target, token, []byte("{}"))
	if err != nil {
		return err, false
	}
	if status/100 == 2 {
		return nil, false
	}
	if status == http.StatusUnauthorized {
		p.forget(tk) // revoked or expired early: the retry asks for a new one
	}
	return fmt.Errorf("transition %s: HTTP %d: %s", push.Transition, status, body), permanentStatus(status)
}

// token returns the shop's cached Admin API access token, or gets a new
// one with the integration's credentials and caches it until tokenMargin
// before the expires_in it came with.
func (p *Pusher) token(ctx context.Context, tk tokenKey, secret string) (string, error, bool) {
	now := p.Clock.Now()
	p.mu.Lock()
	cached, ok := p.tokens[tk]
	p.mu.Unlock()
	if ok && now.Before(cached.renewFrom) {
		return cached.value, nil, false
	}
	value, expiresIn, err, permanent := p.newToken(ctx, tk.base, tk.clientID, secret)
	if err != nil {
		return "", err, permanent
	}
	if lifetime := time.Duration(expiresIn) * time.Second; lifetime > tokenMargin {
		p.mu.Lock()
		if p.tokens == nil {
			p.tokens = map[tokenKey]cachedToken{}
		}
		p.tokens[tk] = cachedToken{value: value, renewFrom: now.Add(lifetime - tokenMargin)}
		p.mu.Unlock()
	}
	return value, nil, false
}

func (p *Pusher) forget(tk tokenKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.tokens, tk)
}

// newToken asks the shop for an access token (OAuth client credentials).
func (p *Pusher) newToken(ctx context.Context, base, key, secret string) (string, int64, error, bool) {
	body, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": key, "client_secret": secret})
	status, answer, err := p.post(ctx, base+"/api/oauth/token", "", body)
	if err != nil {
		return "", 0, err, false
	}
	if status/100 != 2 {
		return "", 0, fmt.Errorf("oauth token: HTTP %d: %s", status, answer), false // credentials may be rotated by a re-registration
	}
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(answer, &t); err != nil || t.AccessToken == "" {
		return "", 0, fmt.Errorf("oauth token: no access_token in %s", answer), false
	}
	return t.AccessToken, t.ExpiresIn, nil, false
}

func (p *Pusher) post(ctx context.Context, target, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := p.client().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	return res.StatusCode, answer, nil
}

// permanentStatus: Shopware refused the transition itself (illegal from the
// current state, unknown transaction); timeouts, throttling and server
// errors are retried.
func permanentStatus(status int) bool {
	return status/100 == 4 && status != http.StatusUnauthorized && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}
