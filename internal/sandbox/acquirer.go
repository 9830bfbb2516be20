// Package sandbox is Kassa's built-in acquirer: instead of a real bank or
// wallet it serves web pages that play them (a Sofort bank, an Indonesian
// bank's virtual account, the Vipps app), so a whole redirect flow can be
// driven in a browser or a test. The pages end attempts through the same
// gateway calls as the test helpers and timers.
package sandbox

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"kassa/internal/ids"
	"kassa/internal/payments"
)

// Acquirer starts sandbox attempts: each gets an unguessable attempt id
// that is also the page's address.
type Acquirer struct {
	// PublicURL is where customers reach Kassa, e.g. "http://localhost:8080".
	PublicURL string
	// RefundDelay is how long a refund stays pending before the sandbox
	// bank pays it out on its own; zero leaves refunds pending until a test
	// helper decides them.
	RefundDelay time.Duration
}

// StartRedirect implements gateway.Acquirer.
func (a *Acquirer) StartRedirect(_ context.Context, _ *payments.PaymentIntent, _ *payments.PaymentMethod) (payments.Redirect, error) {
	attempt := ids.Token("att", 32)
	return payments.Redirect{Attempt: attempt, URL: strings.TrimRight(a.PublicURL, "/") + PathPrefix + attempt}, nil
}

// VirtualAccountNumber implements gateway.Acquirer: the bank's prefix and
// digits derived from the intent, as Indonesian banks issue per payment.
func (a *Acquirer) VirtualAccountNumber(bank string, pi *payments.PaymentIntent) string {
	h := fnv.New64a()
	h.Write([]byte(pi.ID + "/" + pi.Pending.Attempt))
	return fmt.Sprintf("%s%011d", bankByCode(bank).Prefix, h.Sum64()%100_000_000_000)
}

// StartRefund implements gateway.Acquirer: the sandbox bank pays every
// refund out after RefundDelay (the gateway's timer completes it then).
func (a *Acquirer) StartRefund(_ context.Context, _ *payments.Refund, now time.Time) (time.Time, error) {
	if a.RefundDelay <= 0 {
		return time.Time{}, nil
	}
	return now.Add(a.RefundDelay), nil
}

// PathPrefix is where the sandbox pages live.
const PathPrefix = "/sandbox/pay/"

// ReasonAgreementRevoked is the decline of an off-session charge whose
// agreement the customer stopped.
const ReasonAgreementRevoked = "The customer revoked the agreement for future payments."

// ChargeAgreement implements gateway.Acquirer: the sandbox wallet charges
// a saved agreement at once while it is active and declines it once the
// customer revoked it.
func (a *Acquirer) ChargeAgreement(_ context.Context, _ *payments.PaymentIntent, pm *payments.PaymentMethod) (string, error) {
	if !pm.Active() {
		return ReasonAgreementRevoked, nil
	}
	return "", nil
}
