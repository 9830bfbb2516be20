// Package methods is the catalogue of Kassa's local payment methods: one
// table of data (currencies, countries, settlement, refund, chargeback and
// capture support, limits and time windows) that every rule check reads.
// Sources: seed 000 (Sofort), 001 (Sofort's countries via Computop/PPRO),
// 002 (Indonesian bank transfer), 003 (Vipps).
package methods

import (
	"time"

	"kassa/internal/money"
)

// Type is a payment method type as it appears on the wire ("sofort").
type Type string

const (
	Sofort         Type = "sofort"
	BankTransferID Type = "bank_transfer_id"
	Vipps          Type = "vipps"
)

// Flow says which sandbox pages play the customer's side of a method.
type Flow string

const (
	FlowBankRedirect   Flow = "bank_redirect"   // choose bank, log in, confirm with a TAN
	FlowVirtualAccount Flow = "virtual_account" // transfer to a virtual account before it expires
	FlowWallet         Flow = "wallet"          // identify by phone, approve in the app
)

// Method holds one row of the catalogue.
type Method struct {
	Type            Type
	Flow            Flow
	Currencies      []money.Currency
	Countries       []string // ISO 3166-1 alpha-2, upper case
	CountryRequired bool     // billing_details.address.country must be given
	Settlement      money.Currency
	// SettlementDelay is how long a charge's funds stay pending in the
	// balance before they are available (the default; fees files change it).
	SettlementDelay time.Duration

	Refunds         bool
	PartialRefunds  bool
	MultiplePartial bool
	Chargebacks     bool
	ManualCapture   bool
	Reusable        bool  // a payment can save an agreement to charge again off-session
	MaxAmount       int64 // in minor units; 0 means no maximum
	MinAmount       int64 // in minor units; at least 1

	// OpenWindow is how long the customer has to open the redirect after
	// confirmation; ApproveWindow how long to approve once opened. Zero: no limit.
	OpenWindow    time.Duration
	ApproveWindow time.Duration
	// AccountValidity is how long a virtual account accepts a transfer.
	AccountValidity time.Duration

	// NextActionKey is the method-specific member of next_action that the
	// source documents show beside Stripe's redirect_to_url.
	NextActionKey string
}

// stripeMaxAmount is Stripe's limit of eight digits in minor units.
const stripeMaxAmount = 99_999_999

var catalogue = []Method{
	{
		Type:            Sofort,
		Flow:            FlowBankRedirect,
		Currencies:      []money.Currency{"eur", "gbp", "chf"},
		Countries:       []string{"DE", "AT", "BE", "NL", "ES", "CH", "IT"},
		CountryRequired: true,
		Settlement:      "eur",
		SettlementDelay: 48 * time.Hour,
		Refunds:         true,
		PartialRefunds:  true,
		MultiplePartial: true,
		MinAmount:       1,
		MaxAmount:       stripeMaxAmount,
		NextActionKey:   "sofort_handle_redirect",
	},
	{
		Type:            BankTransferID,
		Flow:            FlowVirtualAccount,
		Currencies:      []money.Currency{"idr"},
		Countries:       []string{"ID"},
		Settlement:      "usd",
		SettlementDelay: 72 * time.Hour,
		Refunds:         true,
		PartialRefunds:  true,
		MultiplePartial: true,
		Chargebacks:     true,
		MinAmount:       1,
		AccountValidity: 24 * time.Hour,
		NextActionKey:   "bank_transfer_id_handle_redirect",
	},
	{
		Type:            Vipps,
		Flow:            FlowWallet,
		Currencies:      []money.Currency{"nok"},
		Countries:       []string{"NO"},
		Settlement:      "nok",
		SettlementDelay: 48 * time.Hour,
		Refunds:         true,
		PartialRefunds:  true,
		MultiplePartial: true,
		ManualCapture:   true,
		Reusable:        true,
		MinAmount:       1,
		MaxAmount:       stripeMaxAmount,
		OpenWindow:      5 * time.Minute,
		ApproveWindow:   5 * time.Minute,
		NextActionKey:   "vipps_handle_redirect",
	},
}

// Lookup finds a method by its wire type.
func Lookup(t Type) (Method, bool) {
	for _, m := range catalogue {
		if m.Type == t {
			return m, true
		}
	}
	return Method{}, false
}

// All lists the catalogue in a stable order.
func All() []Method {
	return append([]Method(nil), catalogue...)
}

// Types lists the wire types, for error messages.
func Types() []string {
	out := make([]string, len(catalogue))
	for i, m := range catalogue {
		out[i] = string(m.Type)
	}
	return out
}

// AcceptsCurrency reports whether the method processes payments in c.
func (m Method) AcceptsCurrency(c money.Currency) bool {
	for _, x := range m.Currencies {
		if x == c {
			return true
		}
	}
	return false
}

// AcceptsCountry reports whether a customer billed in country may pay.
func (m Method) AcceptsCountry(country string) bool {
	for _, x := range m.Countries {
		if x == country {
			return true
		}
	}
	return false
}
