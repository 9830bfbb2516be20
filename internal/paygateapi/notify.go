package paygateapi

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"kassa/internal/gateway"
	"kassa/internal/ids"
	"kassa/internal/paygate"
)

// Notifier posts settled payments' results to the shops' URLNotify until
// each answers 2xx, on Paygate's schedule (paygate.NotifySchedule). Due
// notifies live in the store and are leased before posting, so any number
// of notifiers (one per instance) may run, and a crash loses nothing: an
// unfinished lease runs out and the notify is sent again.
type Notifier struct {
	Gateway *gateway.Gateway
	Client  *http.Client
	Logger  *slog.Logger
	// Interval is how often due notifies are looked for (default 1s).
	Interval time.Duration
	// Batch is how many notifies one round leases (default 20).
	Batch int
}

func (n *Notifier) interval() time.Duration {
	if n.Interval <= 0 {
		return time.Second
	}
	return n.Interval
}

func (n *Notifier) batch() int {
	if n.Batch <= 0 {
		return 20
	}
	return n.Batch
}

// lease outlasts a post: the client's timeout and a margin.
func (n *Notifier) lease() time.Duration {
	return n.Client.Timeout + 10*time.Second
}

// Run sends due notifies every interval until ctx ends.
func (n *Notifier) Run(ctx context.Context) {
	ticker := time.NewTicker(n.interval())
	defer ticker.Stop()
	for {
		if _, err := n.SendDue(ctx); err != nil && ctx.Err() == nil {
			n.Logger.Error("paygate: sending notifies", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// SendDue sends the notifies due now, one leased batch at a time, and
// returns how many tries it recorded. A batch's notifies are posted side
// by side: the batch then takes one timeout at most, within its lease,
// however many of its shops hang (posted in turn, the last ones would
// outlive the lease and another instance could post them again).
func (n *Notifier) SendDue(ctx context.Context) (int, error) {
	sent := 0
	for {
		claim := "pn_" + ids.Random(16)
		due, err := n.Gateway.ClaimPaygateNotifies(ctx, claim, n.lease(), n.batch())
		if err != nil || len(due) == 0 {
			return sent, err
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failed error
		for _, p := range due {
			wg.Go(func() {
				answered, failure := n.post(ctx, p)
				applied, err := n.Gateway.RecordPaygateNotify(ctx, p.PayID, claim, answered, failure)
				if !answered {
					n.Logger.Warn("paygate: notify refused", "pay_id", p.PayID, "url", p.URLNotify, "try", p.Notify.Attempts+1, "problem", failure)
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					failed = cmp.Or(failed, err)
				case applied:
					sent++
				}
			})
		}
		wg.Wait()
		if failed != nil {
			return sent, failed
		}
	}
}

// post sends p's encrypted result to its URLNotify, form-encoded as
// Paygate does; only the HTTP status counts.
func (n *Notifier) post(ctx context.Context, p *paygate.Payment) (answered bool, failure string) {
	_, m, err := n.Gateway.PaygatePayment(ctx, p.PayID)
	if err != nil {
		return false, "Kassa could not load the merchant: " + err.Error()
	}
	c, hmacKey, err := n.Gateway.PaygateKeys(m)
	if err != nil {
		return false, "Kassa could not open the merchant's keys: " + err.Error()
	}
	data, length := c.Encrypt(p.Result(hmacKey).Encode())
	form := url.Values{}
	form.Set("Len", strconv.Itoa(length))
	form.Set("Data", data)
	for _, kv := range p.Echo() {
		if form.Get(kv[0]) == "" {
			form.Set(kv[0], kv[1])
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URLNotify, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Kassa/1.0 (+paygate-notify)")
	resp, err := n.Client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return false, "the shop answered HTTP " + resp.Status
	}
	return true, ""
}
