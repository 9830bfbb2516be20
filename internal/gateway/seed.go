package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"kassa/internal/ids"
	"kassa/internal/methods"
	"kassa/internal/money"
	"kassa/internal/payments"
	"kassa/internal/store"
)

// SeedOptions shape the payment history SeedIntents writes.
type SeedOptions struct {
	Intents int
	// Events also stores the events each step emitted (no webhooks are
	// sent for them: the history is not news).
	Events bool
	// Span spreads the intents' creation over the span ending now, oldest
	// first (default 90 days).
	Span time.Duration
	// Batch is how many intents one transaction writes (default 5,000).
	Batch int
	// Seed picks the mix; the same seed gives the same mix (ids stay random).
	Seed uint64
	// Progress, when set, hears how many intents are committed.
	Progress func(done int)
}

// seedEnd is where a seeded intent's story stops.
type seedEnd int

const (
	endCreated    seedEnd = iota // requires_payment_method, never confirmed
	endAttached                  // requires_confirmation
	endCanceled                  // canceled before confirmation
	endSucceeded                 // authorized and captured at once
	endDeclined                  // the customer declined: requires_payment_method with last_payment_error
	endExpired                   // the attempt ran out
	endAuthorized                // requires_capture
	endCaptured                  // authorized, then captured
	endReleased                  // authorized, then canceled
)

// seedMix is the share of each story, roughly a shop's: most payments
// succeed, some fail or are abandoned, some wait for capture.
var seedMix = []struct {
	weight  int
	method  methods.Type
	capture string
	end     seedEnd
}{
	{38, methods.Sofort, "", endSucceeded},
	{12, methods.BankTransferID, "", endSucceeded},
	{10, methods.Vipps, "", endSucceeded},
	{5, methods.Vipps, payments.CaptureManual, endCaptured},
	{3, methods.Vipps, payments.CaptureManual, endAuthorized},
	{2, methods.Vipps, payments.CaptureManual, endReleased},
	{8, methods.Sofort, "", endDeclined},
	{3, methods.BankTransferID, "", endExpired},
	{2, methods.Vipps, "", endExpired},
	{8, methods.Sofort, "", endCreated},
	{5, methods.Vipps, "", endAttached},
	{4, methods.Sofort, "", endCanceled},
}

// seedCountries are billing countries per method.
var seedCountries = map[methods.Type][]string{
	methods.Sofort:         {"DE", "DE", "DE", "AT", "NL", "BE", "CH"},
	methods.BankTransferID: {"ID"},
	methods.Vipps:          {"NO"},
}

// SeedIntents fills an account with a realistic history of payment
// intents (a benchmark's or a demo's database): each story runs through
// the same domain steps, acquirer and ledger as live requests, so the
// intents, payment methods, charges, balance transactions and (with
// Events) events it writes are the ones live traffic would. It writes them
// with the store's bulk insert, Batch intents per transaction.
func (g *Gateway) SeedIntents(ctx context.Context, accountID string, o SeedOptions) error {
	if o.Intents < 1 {
		return errors.New("seed: the number of intents must be positive")
	}
	if o.Span <= 0 {
		o.Span = 90 * 24 * time.Hour
	}
	if o.Batch <= 0 {
		o.Batch = 5000
	}
	var account store.Account
	err := g.Store.Read(ctx, func(r store.Reader) error {
		var err error
		account, err = r.Account(ctx, accountID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("seed: no account %s", accountID)
	}
	if err != nil {
		return err
	}
	s := &seeder{g: g, account: account, events: o.Events, rand: rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed))}
	for _, m := range seedMix {
		s.total += m.weight
	}
	start := g.Clock.Now().Add(-o.Span)
	step := o.Span / time.Duration(o.Intents)

	// One goroutine builds the next batch while the store writes this one.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan store.Bulk, 1)
	built := make(chan error, 1)
	go func() {
		defer close(batches)
		for first := 0; first < o.Intents; first += o.Batch {
			var b store.Bulk
			for i := first; i < min(first+o.Batch, o.Intents); i++ {
				if err := s.story(ctx, &b, start.Add(time.Duration(i)*step), i); err != nil {
					built <- err
					return
				}
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	done := 0
	for b := range batches {
		if err := g.Store.Write(ctx, func(tx store.Tx) error { return tx.InsertBulk(ctx, b) }); err != nil {
			return err
		}
		done += len(b.Intents)
		if o.Progress != nil {
			o.Progress(done)
		}
	}
	select {
	case err := <-built:
		return err
	default:
		return ctx.Err()
	}
}

type seeder struct {
	g       *Gateway
	account store.Account
	events  bool
	rand    *rand.Rand
	total   int
}

// story runs one intent's story from its creation at `at` and adds what
// it wrote to b.
func (s *seeder) story(ctx context.Context, b *store.Bulk, at time.Time, n int) error {
	pick := s.rand.IntN(s.total)
	m := seedMix[0]
	for _, m = range seedMix {
		if pick < m.weight {
			break
		}
		pick -= m.weight
	}
	currency, amount := s.amount(m.method)
	countries := seedCountries[m.method]
	pm, err := payments.NewPaymentMethod(ids.New(ids.PaymentMethod), s.account.ID, m.method, payments.BillingDetails{
		Name:    fmt.Sprintf("Customer %d", n),
		Email:   fmt.Sprintf("customer%d@example.com", n),
		Address: payments.Address{Country: countries[s.rand.IntN(len(countries))]},
	}, nil, "", at)
	if err != nil {
		return err
	}
	in := payments.IntentInput{
		Amount: amount, Currency: currency, CaptureMethod: m.capture,
		Description: fmt.Sprintf("Order %d", 100000+n), Metadata: map[string]string{"order_id": fmt.Sprint(100000 + n)},
	}
	if m.end != endCreated && m.end != endCanceled {
		in.PaymentMethod = pm
		b.PaymentMethods = append(b.PaymentMethods, pm)
	}
	id := ids.New(ids.PaymentIntent)
	pi, events, err := payments.NewIntent(id, s.account.ID, id+"_secret_"+ids.Random(24), in, at)
	if err != nil {
		return err
	}
	s.record(b, events, at)
	switch m.end {
	case endCreated, endAttached:
	case endCanceled:
		events, err = payments.Cancel(pi, nil, "abandoned", at.Add(2*time.Hour))
		s.record(b, events, at.Add(2*time.Hour))
	default:
		err = s.pay(ctx, b, pi, pm, m.end, at)
	}
	if err != nil {
		return err
	}
	b.Intents = append(b.Intents, pi)
	return nil
}

// pay confirms the intent and ends its attempt as the story says.
func (s *seeder) pay(ctx context.Context, b *store.Bulk, pi *payments.PaymentIntent, pm *payments.PaymentMethod, end seedEnd, at time.Time) error {
	events, err := s.g.confirm(ctx, pi, pm, payments.ConfirmInput{ReturnURL: "https://shop.example/return"})
	if err != nil {
		return err
	}
	s.record(b, events, at)
	answered := at.Add(time.Duration(20+s.rand.IntN(120)) * time.Second)
	ch := &payments.Charge{ID: ids.New(ids.Charge), BillingDetails: pm.BillingDetails}
	books := s.g.books()
	attempt := pi.Pending.Attempt
	switch end {
	case endDeclined:
		events, err = payments.Decline(pi, attempt, ch, "", answered)
	case endExpired:
		answered = pi.Pending.Deadline()
		if answered.IsZero() {
			answered = at.Add(24 * time.Hour)
		}
		events, err = payments.Expire(pi, attempt, ch, answered)
	default:
		events, err = payments.Authorize(pi, attempt, ch, books, answered)
	}
	if err != nil {
		return err
	}
	s.record(b, events, answered)
	later := answered.Add(time.Hour)
	switch end {
	case endCaptured:
		events, err = payments.Capture(pi, ch, nil, books, later)
	case endReleased:
		events, err = payments.Cancel(pi, ch, "requested_by_customer", later)
	default:
		events = nil
	}
	if err != nil {
		return err
	}
	s.record(b, events, later)
	b.Charges = append(b.Charges, ch)
	b.BalanceTransactions = append(b.BalanceTransactions, books.Written...)
	return nil
}

// amount picks a currency and an amount in its minor units, as a shop
// using the method charges.
func (s *seeder) amount(m methods.Type) (money.Currency, int64) {
	switch m {
	case methods.BankTransferID:
		return "idr", int64(50+s.rand.IntN(5000)) * 100_000 // Rp 50,000 to 5,050,000
	case methods.Vipps:
		return "nok", int64(99+s.rand.IntN(4900)) * 100
	}
	return "eur", int64(500 + s.rand.IntN(49500))
}

// record adds a step's events, when the seed keeps them.
func (s *seeder) record(b *store.Bulk, events []payments.Event, at time.Time) {
	if !s.events {
		return
	}
	for _, e := range events {
		b.Events = append(b.Events, &store.Event{ID: ids.New(ids.Event), AccountID: s.account.ID, Type: e.Type,
			APIVersion: s.account.APIVersion, Created: at, Object: e.Object})
	}
}
