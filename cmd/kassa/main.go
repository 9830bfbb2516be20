// Command kassa is the Kassa payment gateway: one binary that serves the
// Stripe-compatible merchant API and the sandbox acquirer's pages.
//
//	kassa serve                          start Kassa (creates a sandbox account on first start)
//	kassa account create --name NAME     create a merchant account and print its keys
//	kassa migrate                        apply database migrations and exit
//	kassa paygate credentials --account ACCT   give an account Paygate credentials
//	kassa paygate batch FILE             process a Batch Manager file of Sofort credits
//	kassa bench --key sk_test_…          drive a running server with an open-loop load
//	kassa seed --account ACCT --intents N   fill an account with a payment history
//	kassa shopware app --account ACCT --out DIR   write the account's Shopware app
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"kassa/internal/app"
	"kassa/internal/delivery"
	"kassa/internal/secrets"
	"kassa/internal/store/sqlite"
	"kassa/internal/store/stores"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kassa:", err)
		os.Exit(1)
	}
}

const usage = `Usage:
  kassa serve [--addr ADDR] [--db PATH|URL] [--public-url URL] [--secrets-key-file PATH]
              [--rates-file PATH] [--fees-file PATH] [--refund-delay DURATION|off]
              [--webhook-timeout DURATION] [--webhook-per-endpoint N] [--webhook-forbid-private]
              [--paygate-allow-http=false] [--sqlite-synchronous normal|full]
              [--sqlite-wal-restart-mb N] [--metrics-token TOKEN] [--debug-addr ADDR] [pool flags]
  kassa account create --name NAME [--json] [--db PATH|URL] [--secrets-key-file PATH]
  kassa migrate [--db PATH|URL] [--secrets-key-file PATH]
  kassa paygate credentials --account ACCT [--aes] [--rotate] [--json] [--db PATH|URL] [--secrets-key-file PATH]
  kassa paygate batch FILE [--out FILE] [--db PATH|URL] [--secrets-key-file PATH]
  kassa bench --key SECRET_KEY [--url URL] [--rate N] [--duration D] [--warmup D] [--mix OP=W,...] [--out FILE]
              [--plot FILE.png] [--webhook-receiver ADDR [--webhook-url URL] [--webhook-wait D]]
              [--server-pid PID [--memory-every D]] [--metrics-token TOKEN] [--cpu-profile FILE]
  kassa bench --serve NEW_DB [the same flags but --key, --url and --server-pid]
  kassa seed --account ACCT --intents N [--events] [--span D] [--batch N] [--db PATH|URL] [--secrets-key-file PATH]
  kassa shopware app --account ACCT --out DIR [--public-url URL] [--db PATH|URL] [--secrets-key-file PATH]

Settings also come from the environment: KASSA_ADDR (default 127.0.0.1:8080),
KASSA_DB (a SQLite file, default kassa.db, or postgres://user:password@host:5432/db),
KASSA_PUBLIC_URL (default http://ADDR), KASSA_SECRETS_KEY (64 hex characters) or
KASSA_SECRETS_KEY_FILE (default DB.key; with a database URL one of them is required),
KASSA_WEBHOOK_TIMEOUT (default 10s), KASSA_WEBHOOK_PER_ENDPOINT (default 32),
KASSA_WEBHOOK_FORBID_PRIVATE, KASSA_SQLITE_SYNCHRONOUS (default normal),
KASSA_SQLITE_WAL_RESTART_MB (default 200), KASSA_RATES_FILE and
KASSA_FEES_FILE (default: built in; see docs/ledger.md), KASSA_SANDBOX_REFUND_DELAY (default
10s; "off": refunds wait for a test helper), KASSA_PAYGATE_ALLOW_HTTP (default true in the
sandbox), KASSA_METRICS_TOKEN (default none: /metrics is open), KASSA_DEBUG_ADDR. With PostgreSQL
(pool flags): KASSA_DB_MAX_CONNS (10), KASSA_DB_LOCK_TIMEOUT (5s),
KASSA_DB_STATEMENT_TIMEOUT (30s), or --db-max-conns, --db-lock-timeout,
--db-statement-timeout.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "account":
		if len(args) < 2 || args[1] != "create" {
			return errors.New(usage)
		}
		return createAccount(ctx, args[2:], stdout)
	case "migrate":
		return migrate(ctx, args[1:], stdout)
	case "paygate":
		return paygateCommand(ctx, args[1:], stdout, stderr)
	case "bench":
		return bench(ctx, args[1:], stdout, stderr)
	case "seed":
		return seed(ctx, args[1:], stdout, stderr)
	case "shopware":
		if len(args) < 2 || args[1] != "app" {
			return errors.New(usage)
		}
		return shopwareApp(ctx, args[2:], stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// dbFlags declares the database settings and returns them once parsed.
func dbFlags(fs *flag.FlagSet) func() (string, stores.Options, error) {
	db := fs.String("db", env("KASSA_DB", "kassa.db"), "SQLite database file or postgres:// URL (KASSA_DB)")
	maxConns := fs.String("db-max-conns", os.Getenv("KASSA_DB_MAX_CONNS"), "PostgreSQL: connections per instance (KASSA_DB_MAX_CONNS; default 10)")
	lockTimeout := fs.String("db-lock-timeout", os.Getenv("KASSA_DB_LOCK_TIMEOUT"), "PostgreSQL: longest wait for a row lock or a connection before answering 429 (KASSA_DB_LOCK_TIMEOUT; default 5s)")
	statementTimeout := fs.String("db-statement-timeout", os.Getenv("KASSA_DB_STATEMENT_TIMEOUT"), "PostgreSQL: longest any statement may run (KASSA_DB_STATEMENT_TIMEOUT; default 30s)")
	synchronous := fs.String("sqlite-synchronous", env("KASSA_SQLITE_SYNCHRONOUS", "normal"), "SQLite: normal (survives kill -9) or full (also survives power loss, fsync per commit) (KASSA_SQLITE_SYNCHRONOUS)")
	walRestart := fs.String("sqlite-wal-restart-mb", os.Getenv("KASSA_SQLITE_WAL_RESTART_MB"), "SQLite: WAL size in MB at which the writer starts the WAL file over (KASSA_SQLITE_WAL_RESTART_MB; default 200)")
	return func() (string, stores.Options, error) {
		var opts stores.Options
		var err error
		if opts.SQLite.Synchronous, err = sqlite.ParseSynchronous(*synchronous); err != nil {
			return "", opts, fmt.Errorf("--sqlite-synchronous (KASSA_SQLITE_SYNCHRONOUS) %q: want normal or full", *synchronous)
		}
		if *walRestart != "" {
			mb, err := strconv.ParseInt(*walRestart, 10, 32)
			if err != nil || mb < 1 {
				return "", opts, fmt.Errorf("--sqlite-wal-restart-mb (KASSA_SQLITE_WAL_RESTART_MB) %q: want a positive number of MB", *walRestart)
			}
			opts.SQLite.WALRestartBytes = mb << 20
		}
		if *maxConns != "" {
			n, err := strconv.ParseInt(*maxConns, 10, 32)
			if err != nil || n < 1 {
				return "", opts, fmt.Errorf("--db-max-conns (KASSA_DB_MAX_CONNS) %q: want a positive number", *maxConns)
			}
			opts.Postgres.MaxConns = int32(n)
		}
		for _, d := range []struct {
			name, value string
			into        *time.Duration
		}{{"--db-lock-timeout (KASSA_DB_LOCK_TIMEOUT)", *lockTimeout, &opts.Postgres.LockTimeout}, {"--db-statement-timeout (KASSA_DB_STATEMENT_TIMEOUT)", *statementTimeout, &opts.Postgres.StatementTimeout}} {
			if d.value == "" {
				continue
			}
			v, err := time.ParseDuration(d.value)
			if err != nil || v < time.Millisecond {
				return "", opts, fmt.Errorf("%s %q: want a duration such as 5s", d.name, d.value)
			}
			*d.into = v
		}
		return *db, opts, nil
	}
}

func keyFileFlag(fs *flag.FlagSet) *string {
	return fs.String("secrets-key-file", os.Getenv("KASSA_SECRETS_KEY_FILE"),
		"file holding the key that seals webhook signing secrets, created if missing (KASSA_SECRETS_KEY_FILE; default DB.key)")
}

// envSecretsKey reads KASSA_SECRETS_KEY, which takes precedence over the key file.
func envSecretsKey() ([]byte, error) {
	v := os.Getenv("KASSA_SECRETS_KEY")
	if v == "" {
		return nil, nil
	}
	key, err := secrets.ParseKey(v)
	if err != nil {
		return nil, fmt.Errorf("KASSA_SECRETS_KEY: %w", err)
	}
	return key, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", env("KASSA_ADDR", "127.0.0.1:8080"), "listen address (KASSA_ADDR)")
	dbSettings := dbFlags(fs)
	publicURL := fs.String("public-url", os.Getenv("KASSA_PUBLIC_URL"), "base URL customers reach Kassa at; behind a load balancer, the balancer's (KASSA_PUBLIC_URL)")
	keyFile := keyFileFlag(fs)
	timeout := fs.Duration("webhook-timeout", 10*time.Second, "how long a webhook endpoint may take to answer (KASSA_WEBHOOK_TIMEOUT)")
	paygateHTTP := fs.Bool("paygate-allow-http", os.Getenv("KASSA_PAYGATE_ALLOW_HTTP") != "false",
		"let Paygate shops use http URLs and ports other than 443 (on in the sandbox; KASSA_PAYGATE_ALLOW_HTTP=false enforces https on 443 as Paygate does)")
	perEndpoint := fs.Int("webhook-per-endpoint", delivery.DefaultPerEndpoint, "most webhook requests in flight to one endpoint (KASSA_WEBHOOK_PER_ENDPOINT)")
	if v := os.Getenv("KASSA_WEBHOOK_PER_ENDPOINT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("KASSA_WEBHOOK_PER_ENDPOINT %q: want a number", v)
		}
		*perEndpoint = n
	}
	forbidPrivate := fs.Bool("webhook-forbid-private", os.Getenv("KASSA_WEBHOOK_FORBID_PRIVATE") == "true",
		"refuse webhook URLs, Paygate notify URLs and Shopware shop URLs on loopback, private and link-local addresses, and connections to them (KASSA_WEBHOOK_FORBID_PRIVATE=true)")
	if v := os.Getenv("KASSA_WEBHOOK_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("KASSA_WEBHOOK_TIMEOUT: %w", err)
		}
		*timeout = d
	}
	ratesFile := fs.String("rates-file", os.Getenv("KASSA_RATES_FILE"), "reference rates, ECB CSV or XML (KASSA_RATES_FILE)")
	feesFile := fs.String("fees-file", os.Getenv("KASSA_FEES_FILE"), "fees and settlement delays, JSON (KASSA_FEES_FILE)")
	metricsToken := fs.String("metrics-token", os.Getenv("KASSA_METRICS_TOKEN"), "bearer token that /metrics asks for; open when empty (KASSA_METRICS_TOKEN; the environment keeps it out of ps)")
	debugAddr := fs.String("debug-addr", os.Getenv("KASSA_DEBUG_ADDR"), "serve Go's profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; off when empty (KASSA_DEBUG_ADDR)")
	refundDelayFlag := fs.String("refund-delay", env("KASSA_SANDBOX_REFUND_DELAY", "10s"), `how long sandbox refunds stay pending, or "off" (KASSA_SANDBOX_REFUND_DELAY)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	refundDelay, err := parseRefundDelay(*refundDelayFlag)
	if err != nil {
		return err
	}
	if *perEndpoint < 1 || *perEndpoint > delivery.MaxPerEndpoint {
		return fmt.Errorf("--webhook-per-endpoint (KASSA_WEBHOOK_PER_ENDPOINT) %d: want 1 to %d", *perEndpoint, delivery.MaxPerEndpoint)
	}
	db, dbOptions, err := dbSettings()
	if err != nil {
		return err
	}
	secretsKey, err := envSecretsKey()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *publicURL == "" {
		*publicURL = "http://" + listener.Addr().String()
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if *debugAddr != "" {
		if err := serveDebug(ctx, *debugAddr, logger); err != nil {
			return err
		}
	}
	a, err := app.New(ctx, app.Config{DB: db, DBOptions: dbOptions, PublicURL: *publicURL, Logger: logger,
		SecretsKey: secretsKey, SecretsKeyFile: *keyFile, PaygateAllowHTTP: *paygateHTTP,
		Webhooks:  delivery.Config{Timeout: *timeout, PerEndpoint: *perEndpoint, ForbidPrivateAddresses: *forbidPrivate},
		RatesFile: *ratesFile, FeesFile: *feesFile, RefundDelay: refundDelay, MetricsToken: *metricsToken})
	if err != nil {
		return err
	}
	defer a.Close()

	keys, created, err := a.Gateway.EnsureSandboxAccount(ctx)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "Created sandbox account %s. Its keys are shown only now:\n  secret key:      %s\n  publishable key: %s\n",
			keys.ID, keys.SecretKey, keys.PublishableKey)
	} else {
		fmt.Fprintln(stdout, "Using the existing accounts in", stores.Redact(db), "(keys were printed when each was created; `kassa account create --name NAME` makes another).")
	}
	fmt.Fprintf(stdout, "Kassa listening on %s (database %s, sandbox mode)\n", *publicURL, stores.Redact(db))
	if *metricsToken == "" && !isLoopback(listener.Addr()) {
		logger.Warn("/metrics is open to anyone who reaches the listener; set KASSA_METRICS_TOKEN to ask for a token", "addr", listener.Addr().String())
	}

	// The deferred Close stops the background loops and waits for them
	// before it closes the store, after the server has finished its requests.
	setServeGCPercent()
	a.RunBackground(ctx)
	srv := newHTTPServer(a.Handler, idleTimeout)
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(listener) }()
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, finish in-flight requests, then close the store.
	logger.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func createAccount(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("account create", flag.ContinueOnError)
	name := fs.String("name", "", "the merchant's name (required)")
	asJSON := fs.Bool("json", false, "print the account as JSON")
	openApp := appFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("account create: --name is required")
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	keys, err := a.Gateway.CreateAccount(ctx, *name)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{
			"id": keys.ID, "secret_key": keys.SecretKey, "publishable_key": keys.PublishableKey,
		})
	}
	_, err = fmt.Fprintf(stdout, "account:         %s (%s)\nsecret key:      %s\npublishable key: %s\n", keys.ID, keys.Name, keys.SecretKey, keys.PublishableKey)
	return err
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	openApp := appFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	_, err = fmt.Fprintln(stdout, "database", stores.Redact(a.Config.DB), "is up to date")
	return err
}

// appFlags adds the database and secrets-key flags to fs; the function
// it returns opens the app they name, quietly, for a one-off command.
func appFlags(fs *flag.FlagSet) func(context.Context) (*app.App, error) {
	dbSettings := dbFlags(fs)
	keyFile := keyFileFlag(fs)
	return func(ctx context.Context) (*app.App, error) {
		db, dbOptions, err := dbSettings()
		if err != nil {
			return nil, err
		}
		return quietApp(ctx, db, dbOptions, *keyFile)
	}
}

// quietApp assembles Kassa for a one-off command, without logging.
func quietApp(ctx context.Context, db string, dbOptions stores.Options, keyFile string) (*app.App, error) {
	key, err := envSecretsKey()
	if err != nil {
		return nil, err
	}
	return app.New(ctx, app.Config{DB: db, DBOptions: dbOptions, SecretsKey: key, SecretsKeyFile: keyFile,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// parseRefundDelay reads --refund-delay: a positive duration, or "off".
func parseRefundDelay(s string) (time.Duration, error) {
	if s == "off" {
		return -1, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf(`--refund-delay %q: want a duration such as 10s, or "off"`, s)
	}
	return d, nil
}
