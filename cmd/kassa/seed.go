package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"kassa/internal/gateway"
	"kassa/internal/store/stores"
)

// seed fills an account with a realistic payment history, for benchmarks
// at scale (the 1,000,000-intent point) and demos.
func seed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	account := fs.String("account", "", "the account (acct_…) to fill (required)")
	intents := fs.Int("intents", 0, "how many payment intents to write (required)")
	events := fs.Bool("events", false, "also store the events each payment emitted (no webhooks are sent for them)")
	span := fs.Duration("span", 90*24*time.Hour, "spread the intents' creation times over this span, ending now")
	batch := fs.Int("batch", 5000, "intents written per transaction")
	mixSeed := fs.Uint64("seed", 1, "picks the mix of methods and outcomes (ids are random whatever it is)")
	openApp := appFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *account == "" || *intents < 1 {
		return errors.New("seed: --account and a positive --intents are required")
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	started := time.Now()
	err = a.Gateway.SeedIntents(ctx, *account, gateway.SeedOptions{
		Intents: *intents, Events: *events, Span: *span, Batch: *batch, Seed: *mixSeed,
		Progress: func(done int) {
			fmt.Fprintf(stderr, "\rseeded %d of %d intents (%.0f/s)   ", done, *intents, float64(done)/time.Since(started).Seconds())
		},
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	took := time.Since(started)
	_, err = fmt.Fprintf(stdout, "seeded %d intents into %s in %s (%.0f intents/s)\n",
		*intents, stores.Redact(a.Config.DB), took.Round(time.Millisecond), float64(*intents)/took.Seconds())
	return err
}
