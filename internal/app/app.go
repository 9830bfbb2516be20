// Package app assembles Kassa: store, gateway, sandbox acquirer, the
// merchant API, the sandbox pages and the hosted checkout page, behind one
// http.Handler, plus the background loops (attempt and session timers,
// idempotency-key pruning, webhook delivery). The binary and the end-to-end
// tests build Kassa the same way, through New.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"kassa/internal/api"
	"kassa/internal/checkoutpage"
	"kassa/internal/clock"
	"kassa/internal/delivery"
	"kassa/internal/gateway"
	"kassa/internal/ledger"
	"kassa/internal/paygateapi"
	"kassa/internal/sandbox"
	"kassa/internal/secrets"
	"kassa/internal/shopwareapp"
	"kassa/internal/store"
	"kassa/internal/store/stores"
)

// Config is what an operator sets.
type Config struct {
	// DB is a SQLite file path or a postgres:// URL.
	DB string
	// DBOptions tune the store (PostgreSQL pool, SQLite durability).
	DBOptions stores.Options
	// PublicURL is the base of the links Kassa hands out (sandbox pages,
	// hosted checkout).
	PublicURL string
	Logger    *slog.Logger
	Clock     clock.Clock
	// TimerInterval is how often overdue attempts and due refunds are looked for.
	TimerInterval time.Duration
	// Webhooks tunes webhook delivery.
	Webhooks delivery.Config
	// PaygateAllowHTTP lets Paygate shops use plain-http URLs and ports
	// other than 443 for URLSuccess, URLFailure and URLNotify (a shop
	// developed against a local Kassa). Off, only https on 443 passes.
	PaygateAllowHTTP bool
	// PaygateNotifyInterval is how often due Paygate notifies are looked
	// for (default: TimerInterval).
	PaygateNotifyInterval time.Duration
	// SecretsKey (32 bytes) seals webhook signing secrets at rest. When nil
	// it is read from SecretsKeyFile, which is created with a fresh key if
	// missing (default: the database path + ".key").
	SecretsKey     []byte
	SecretsKeyFile string
	// RatesFile replaces the embedded reference rates (ECB CSV or XML);
	// FeesFile changes fees and settlement delays (see docs/ledger.md).
	RatesFile string
	FeesFile  string
	// RefundDelay is how long the sandbox keeps a refund pending before it
	// pays it out: 0 means the default (DefaultRefundDelay), a negative
	// value never (only the test helpers decide refunds).
	RefundDelay time.Duration
	// MetricsToken, when set, is the bearer token /metrics asks for;
	// empty leaves /metrics open to whoever reaches the listener.
	MetricsToken string
}

// DefaultRefundDelay is how long sandbox refunds stay pending by default.
const DefaultRefundDelay = 10 * time.Second

// App is an assembled Kassa.
type App struct {
	Config  Config
	Store   store.Store
	Gateway *gateway.Gateway
	Handler http.Handler
	// Sender delivers webhooks (started by RunBackground).
	Sender *delivery.Sender
	// ShopwarePusher sends Shopware Admin API state pushes (started by RunBackground).
	ShopwarePusher *shopwareapp.Pusher
	// Notifier posts Paygate results to URLNotify (started by RunBackground).
	Notifier *paygateapi.Notifier
	// Metrics is what /metrics exposes.
	Metrics *prometheus.Registry

	stopBackground context.CancelFunc
	background     sync.WaitGroup
}

// New opens the store (migrating it) and wires everything.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.TimerInterval == 0 {
		cfg.TimerInterval = time.Second
	}
	if cfg.RefundDelay == 0 {
		cfg.RefundDelay = DefaultRefundDelay
	}
	books, err := openLedger(cfg.RatesFile, cfg.FeesFile)
	if err != nil {
		return nil, err
	}
	box, err := secretsBox(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.DBOptions.SQLite.Logger == nil {
		cfg.DBOptions.SQLite.Logger = cfg.Logger
	}
	st, err := stores.Open(ctx, cfg.DB, cfg.DBOptions)
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", stores.Redact(cfg.DB), err)
	}
	acquirer := &sandbox.Acquirer{PublicURL: cfg.PublicURL, RefundDelay: max(cfg.RefundDelay, 0)}
	gw := &gateway.Gateway{Store: st, Acquirer: acquirer, Clock: cfg.Clock, Ledger: books,
		Secrets: box, ForbidPrivateAddresses: cfg.Webhooks.ForbidPrivateAddresses, PublicURL: cfg.PublicURL}

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	sender := delivery.New(cfg.Webhooks)
	sender.Store, sender.Clock, sender.Logger = st, cfg.Clock, cfg.Logger
	sender.Secret, sender.Render = gw.WebhookSecret, api.EventJSON
	sender.Metrics = delivery.NewMetrics(registry, st, cfg.Clock)
	gw.Courier = sender
	registerStoreMetrics(registry, st)

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", requireToken(cfg.MetricsToken, promhttp.HandlerFor(registry, promhttp.HandlerOpts{})))
	(&api.Server{Gateway: gw, Store: st, Clock: cfg.Clock, Logger: cfg.Logger}).Register(mux)
	(&sandbox.Pages{Gateway: gw, Logger: cfg.Logger}).Register(mux)
	(&checkoutpage.Pages{Gateway: gw, Logger: cfg.Logger}).Register(mux)
	shopwareApp := &shopwareapp.Server{Store: st, Gateway: gw, Secrets: box, Clock: cfg.Clock, Logger: cfg.Logger, PublicURL: cfg.PublicURL}
	shopwareApp.Register(mux)
	gw.IntentSettled = shopwareApp.IntentSettled
	gw.RefundSettled = shopwareApp.RefundSettled
	(&paygateapi.Server{Gateway: gw, Logger: cfg.Logger, AllowHTTP: cfg.PaygateAllowHTTP}).Register(mux)
	notifyInterval := cfg.PaygateNotifyInterval
	if notifyInterval == 0 {
		notifyInterval = cfg.TimerInterval
	}
	// Paygate notifies and Shopware pushes go to merchants' URLs as webhooks
	// do: the same timeout, and no private addresses where those are refused.
	merchantClient := delivery.NewClient(delivery.Config{Timeout: cfg.Webhooks.Timeout, ForbidPrivateAddresses: cfg.Webhooks.ForbidPrivateAddresses})
	notifier := &paygateapi.Notifier{Gateway: gw, Logger: cfg.Logger, Interval: notifyInterval, Client: merchantClient}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := st.Ping(ctx); err != nil {
			cfg.Logger.Warn("readiness check: the database does not answer", "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database unavailable")
			return
		}
		fmt.Fprintln(w, "ok")
	})
	pusher := &shopwareapp.Pusher{Store: st, Secrets: box, Clock: cfg.Clock, Logger: cfg.Logger, Client: merchantClient}
	return &App{Config: cfg, Store: st, Gateway: gw, Handler: api.WithRequestID(measureRequests(registry, mux)), Sender: sender, Notifier: notifier,
		Metrics: registry, ShopwarePusher: pusher}, nil
}

func secretsBox(cfg Config) (*secrets.Box, error) {
	key := cfg.SecretsKey
	if key == nil {
		path := cfg.SecretsKeyFile
		if path == "" && strings.Contains(cfg.DB, "://") {
			return nil, errors.New("a database URL has no place for the secrets key file: set KASSA_SECRETS_KEY or --secrets-key-file")
		}
		if path == "" {
			path = cfg.DB + ".key"
		}
		var err error
		if key, err = secrets.LoadOrCreateKeyFile(path); err != nil {
			return nil, fmt.Errorf("the secrets key (it seals webhook signing secrets): %w", err)
		}
	}
	return secrets.NewBox(key)
}

// openLedger loads the operator's rates and fees files, or the defaults,
// and refuses rates that cannot serve every method.
func openLedger(ratesFile, feesFile string) (*ledger.Ledger, error) {
	l := &ledger.Ledger{Rates: ledger.EmbeddedRates(), Pricing: ledger.DefaultPricing()}
	var err error
	if ratesFile != "" {
		if l.Rates, err = ledger.LoadRatesFile(ratesFile); err != nil {
			return nil, fmt.Errorf("rates file: %w", err)
		}
	}
	if feesFile != "" {
		if l.Pricing, err = ledger.LoadPricingFile(feesFile); err != nil {
			return nil, fmt.Errorf("fees file: %w", err)
		}
	}
	if err := l.Check(); err != nil {
		return nil, fmt.Errorf("rates: %w", err)
	}
	return l, nil
}

// RunBackground runs the timer, pruning and webhook delivery loops until ctx
// ends or Close stops them. With several instances on one database each
// runs its own loops: every expiry and prune re-checks in its own
// transaction, and senders lease deliveries before sending.
func (a *App) RunBackground(ctx context.Context) {
	ctx, a.stopBackground = context.WithCancel(ctx)
	goBackground := func(fn func()) {
		a.background.Add(1)
		go func() {
			defer a.background.Done()
			fn()
		}()
	}
	logErr := func(what string) func(error) {
		return func(err error) { a.Config.Logger.Error(what, "error", err) }
	}
	goBackground(func() { a.Gateway.RunTimers(ctx, a.Config.TimerInterval, logErr("expiring overdue payment attempts")) })
	goBackground(func() { a.Sender.Run(ctx) })
	goBackground(func() { a.ShopwarePusher.Run(ctx) })
	goBackground(func() { a.Notifier.Run(ctx) })
	goBackground(func() {
		ticker := time.NewTicker(time.Hour)
		defer ticker.Stop()
		for {
			if _, err := api.PruneIdempotencyKeys(ctx, a.Store, a.Config.Clock.Now()); err != nil && ctx.Err() == nil {
				logErr("pruning idempotency keys")(err)
			}
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	})
}

// Close stops the background loops, waits for them, and closes the store.
func (a *App) Close() error {
	if a.stopBackground != nil {
		a.stopBackground()
		a.background.Wait()
	}
	return a.Store.Close()
}
