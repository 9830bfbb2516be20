package shopware

import "time"

// Shop states.
const (
	// ShopRegistering: a registration was answered, the confirmation has
	// not come yet (only the pending secret exists).
	ShopRegistering = "registering"
	// ShopActive: confirmed; payment calls are accepted.
	ShopActive = "active"
	// ShopUninstalled: the app was removed from the shop.
	ShopUninstalled = "uninstalled"
)

// Shop is a Shopware shop that installed an account's app. Its secrets are
// sealed with Kassa's secrets key (bound to the shop) before they are
// stored; this struct never holds them in the clear.
type Shop struct {
	AccountID string `json:"account_id"`
	ShopID    string `json:"shop_id"`
	ShopURL   string `json:"shop_url"`
	Status    string `json:"status"`
	// SealedSecret is the confirmed shop secret that payment calls are
	// signed with; PendingSealedSecret the one a registration handed out,
	// which replaces it when its confirmation arrives (with PendingShopURL).
	SealedSecret        []byte `json:"sealed_secret,omitempty"`
	PendingSealedSecret []byte `json:"pending_sealed_secret,omitempty"`
	PendingShopURL      string `json:"pending_shop_url,omitempty"`
	// The Admin API integration's credentials from the confirmation.
	SealedAPIKey    []byte    `json:"sealed_api_key,omitempty"`
	SealedAPISecret []byte    `json:"sealed_api_secret,omitempty"`
	ShopwareVersion string    `json:"shopware_version,omitempty"`
	Created         time.Time `json:"created"`
	Updated         time.Time `json:"updated"`
}

// SealContext binds a shop's sealed value to the shop and its purpose, so
// a sealed value copied to another shop or field does not open.
func (s *Shop) SealContext(field string) []byte {
	return []byte("shopware shop\x00" + s.AccountID + "\x00" + s.ShopID + "\x00" + field)
}

// Transaction is Kassa's record of one Shopware order transaction: the
// PaymentIntent paying it and what finalize answered, so a repeated
// finalize answers the same.
type Transaction struct {
	AccountID     string `json:"account_id"`
	ShopID        string `json:"shop_id"`
	TransactionID string `json:"transaction_id"`
	OrderID       string `json:"order_id"`
	OrderNumber   string `json:"order_number"`
	IntentID      string `json:"intent_id"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Method        string `json:"method"`
	ReturnURL     string `json:"return_url"`
	// Refunds maps the Shopware refunds (order_transaction_capture_refund
	// ids) Kassa made to Kassa's refund ids: a repeated refund call answers
	// the refund already made instead of refunding twice.
	Refunds map[string]string `json:"refunds,omitempty"`
	// RefundPositions are the line items each of those refunds gave back,
	// as Shopware sent them (checked to add up to the refund's amount).
	RefundPositions map[string][]RefundPosition `json:"refund_positions,omitempty"`
	// FinalStatus is the action finalize answered ("" until it did).
	FinalStatus  string `json:"final_status,omitempty"`
	FinalMessage string `json:"final_message,omitempty"`
	// Pushed is the last transition pushed through the Admin API after
	// finalize, so one outcome is never pushed twice.
	Pushed  string    `json:"pushed,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Push states.
const (
	PushPending = "pending"
	PushDone    = "done"
	PushFailed  = "failed"
)

// Push is a state transition Kassa owes a shop through its Admin API (a
// bank transfer that settled after finalize answered "process"). It is
// inserted in the transaction that changed the payment and sent at least
// once by a pusher that leases it, like a webhook delivery.
type Push struct {
	ID            string `json:"id"`
	AccountID     string `json:"account_id"`
	ShopID        string `json:"shop_id"`
	TransactionID string `json:"transaction_id"`
	IntentID      string `json:"intent_id"`
	// RefundID, when set, names the Shopware refund to move (its actions:
	// complete, fail, cancel) instead of the order transaction.
	RefundID      string    `json:"refund_id,omitempty"`
	Transition    string    `json:"transition"` // an order_transaction action: paid, authorize, fail, cancel
	Status        string    `json:"status"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	Claim         string    `json:"claim,omitempty"`
	LeaseUntil    time.Time `json:"lease_until,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	Created       time.Time `json:"created"`
}
