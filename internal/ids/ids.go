// Package ids makes Stripe-style identifiers and secrets: a type prefix and
// random base62 characters, e.g. "pi_3kT9...". Ordering is the store's job
// (an insertion sequence), so ids carry no timestamp.
package ids

import (
	"crypto/rand"
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

// New returns prefix + "_" + 24 random base62 characters (~142 bits).
func New(prefix string) string {
	return prefix + "_" + Random(24)
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
