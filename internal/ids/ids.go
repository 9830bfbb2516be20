// Package ids makes Stripe-style identifiers and secrets: a type prefix and
// base62 characters, e.g. "pi_0UzJ2kT9...". Ordering is still the store's
// job (an insertion sequence); the coarse time at the start of an id is
// there for the indexes (see New).
package ids

import (
	"crypto/rand"
	"time"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Prefixes of Kassa's object types.
const (
	Account       = "acct"
	PaymentIntent = "pi"
	PaymentMethod = "pm"
	Charge        = "ch"
	Event         = "evt"
	Request       = "req"
	// Kassa's own: a webhook endpoint (Stripe's prefix) and one delivery of an event to it.
	WebhookEndpoint = "we"
	Delivery        = "wd"
	Session         = "cs"
	LineItem        = "li"
	Product         = "prod"
	Price           = "price"
	Refund          = "re"
	Dispute         = "dp"
	// BalanceTransaction is a ledger entry.
	BalanceTransaction = "txn"
)

// New returns prefix + "_" + 24 base62 characters: 8 that encode the
// current millisecond, then 16 random ones (~95 bits, unguessable). The
// time part puts ids made together next to each other in an index, so an
// insert dirties the index's newest page rather than a random one: fewer
// pages written per commit, and a hot set that stays small as tables grow.
func New(prefix string) string {
	return newAt(prefix, time.Now())
}

func newAt(prefix string, t time.Time) string {
	return tokenAt(prefix, 16, t)
}

// Token returns prefix + "_" + the current millisecond (8 characters, as
// in New) + n random characters: a bearer credential (an attempt's page
// URL) that is as unguessable as n random characters and still lands on
// the newest page of its unique index, instead of a random one per insert.
func Token(prefix string, n int) string {
	return tokenAt(prefix, n, time.Now())
}

func tokenAt(prefix string, n int, t time.Time) string {
	return prefix + "_" + timePart(t) + Random(n)
}

// timePart is t's Unix millisecond in 8 base62 digits, most significant
// first; the alphabet is in byte order, so the digits sort as the times do
// (until the year 8888).
func timePart(t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0))
	var out [8]byte
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = alphabet[ms%62]
		ms /= 62
	}
	return string(out[:])
}

// Random returns n random base62 characters from crypto/rand.
func Random(n int) string {
	buf := make([]byte, n)
	out := make([]byte, n)
	// Rejection sampling keeps the distribution uniform over 62 symbols.
	for i := 0; i < n; {
		if _, err := rand.Read(buf); err != nil {
			panic("ids: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			if b >= 248 { // 248 = 4*62
				continue
			}
			out[i] = alphabet[b%62]
			i++
			if i == n {
				break
			}
		}
	}
	return string(out)
}
