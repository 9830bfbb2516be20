// Command kassa is the Kassa payment gateway: one binary that serves the
// Stripe-compatible merchant API and the sandbox acquirer's pages.
//
//	kassa serve                          start Kassa (creates a sandbox account on first start)
//	kassa account create --name NAME     create a merchant account and print its keys
//	kassa migrate                        apply database migrations and exit
//	kassa bench --key sk_test_…          drive a running server with an open-loop load
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
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"kassa/internal/app"
	"kassa/internal/delivery"
	"kassa/internal/secrets"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kassa:", err)
		os.Exit(1)
	}
}

const usage = `Usage:
  kassa serve [--addr ADDR] [--db PATH] [--public-url URL] [--secrets-key-file PATH]
              [--webhook-timeout DURATION] [--webhook-forbid-private]
  kassa account create --name NAME [--json] [--db PATH] [--secrets-key-file PATH]
  kassa migrate [--db PATH] [--secrets-key-file PATH]
  kassa bench --key SECRET_KEY [--url URL] [--rate N] [--duration D] [--mix OP=W,...] [--out FILE]

Settings also come from the environment: KASSA_ADDR (default 127.0.0.1:8080),
KASSA_DB (default kassa.db), KASSA_PUBLIC_URL (default http://ADDR),
KASSA_SECRETS_KEY (64 hex characters) or KASSA_SECRETS_KEY_FILE (default
DB.key), KASSA_WEBHOOK_TIMEOUT (default 10s), KASSA_WEBHOOK_FORBID_PRIVATE.`

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
	case "bench":
		return bench(ctx, args[1:], stdout, stderr)
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

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", env("KASSA_DB", "kassa.db"), "SQLite database file (KASSA_DB)")
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
	db := dbFlag(fs)
	publicURL := fs.String("public-url", os.Getenv("KASSA_PUBLIC_URL"), "base URL customers reach Kassa at (KASSA_PUBLIC_URL)")
	keyFile := keyFileFlag(fs)
	timeout := fs.Duration("webhook-timeout", 10*time.Second, "how long a webhook endpoint may take to answer (KASSA_WEBHOOK_TIMEOUT)")
	forbidPrivate := fs.Bool("webhook-forbid-private", os.Getenv("KASSA_WEBHOOK_FORBID_PRIVATE") == "true",
		"refuse webhook URLs on loopback, private and link-local addresses (KASSA_WEBHOOK_FORBID_PRIVATE=true)")
	if v := os.Getenv("KASSA_WEBHOOK_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("KASSA_WEBHOOK_TIMEOUT: %w", err)
		}
		*timeout = d
	}
	if err := fs.Parse(args); err != nil {
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
	a, err := app.New(ctx, app.Config{DB: *db, PublicURL: *publicURL, Logger: logger,
		SecretsKey: secretsKey, SecretsKeyFile: *keyFile,
		Webhooks: delivery.Config{Timeout: *timeout, ForbidPrivateAddresses: *forbidPrivate}})
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
		fmt.Fprintln(stdout, "Using the existing accounts in", *db, "(keys were printed when each was created; `kassa account create --name NAME` makes another).")
	}
	fmt.Fprintf(stdout, "Kassa listening on %s (database %s, sandbox mode)\n", *publicURL, *db)

	a.RunBackground(ctx)
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(listener) }()
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	// Finish in-flight requests before closing the store.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func createAccount(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("account create", flag.ContinueOnError)
	name := fs.String("name", "", "the merchant's name (required)")
	asJSON := fs.Bool("json", false, "print the account as JSON")
	db := dbFlag(fs)
	keyFile := keyFileFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("account create: --name is required")
	}
	a, err := quietApp(ctx, *db, *keyFile)
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
	db := dbFlag(fs)
	keyFile := keyFileFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := quietApp(ctx, *db, *keyFile)
	if err != nil {
		return err
	}
	defer a.Close()
	_, err = fmt.Fprintln(stdout, "database", *db, "is up to date")
	return err
}

// quietApp assembles Kassa for a one-off command, without logging.
func quietApp(ctx context.Context, db, keyFile string) (*app.App, error) {
	key, err := envSecretsKey()
	if err != nil {
		return nil, err
	}
	return app.New(ctx, app.Config{DB: db, SecretsKey: key, SecretsKeyFile: keyFile, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}
