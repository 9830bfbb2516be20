// Package store defines how Kassa persists its objects. Implementations
// (SQLite, PostgreSQL) live in subpackages and pass the same
// conformance suite (storetest). Domain and HTTP code see only these
// interfaces.
package store

import (
	"context"
	"errors"
	"time"

	"kassa/internal/checkout"
	"kassa/internal/ledger"
	"kassa/internal/paygate"
	"kassa/internal/payments"
	"kassa/internal/shopware"
	"kassa/internal/webhooks"
)

var (
	// ErrNotFound: no such object for this account (another account's
	// objects are not found either).
	ErrNotFound = errors.New("store: not found")
	// ErrLockTimeout: the database stayed busy; the client should retry.
	ErrLockTimeout = errors.New("store: lock timeout")
	// ErrConflict: a uniqueness guard refused the write (e.g. an
	// idempotency key claimed concurrently).
	ErrConflict = errors.New("store: conflict")
)

// Store opens transactions.
type Store interface {
	// Write runs fn in one write transaction: everything fn writes commits
	// together, or nothing does. Objects read through the Tx are locked
	// against concurrent writers until the transaction ends, so a
	// load-check-save in fn is atomic.
	Write(ctx context.Context, fn func(Tx) error) error
	// Read runs fn against a consistent snapshot.
	Read(ctx context.Context, fn func(Reader) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Reader reads objects. Every lookup is scoped to an account.
type Reader interface {
	AccountByKeyHash(ctx context.Context, hash string) (Account, APIKey, error)
	Account(ctx context.Context, id string) (Account, error)
	// CountAccounts counts accounts; in a write transaction it also keeps
	// other transactions from adding one until this one ends.
	CountAccounts(ctx context.Context) (int, error)

	Intent(ctx context.Context, accountID, id string) (*payments.PaymentIntent, error)
	// IntentByAttempt finds the intent waiting for a sandbox attempt, whatever its account.
	IntentByAttempt(ctx context.Context, attempt string) (*payments.PaymentIntent, error)
	ListIntents(ctx context.Context, accountID string, q ListQuery) ([]*payments.PaymentIntent, bool, error)
	// OverdueIntents lists intents whose pending step's deadline is at or before now.
	OverdueIntents(ctx context.Context, now time.Time, limit int) ([]IntentRef, error)

	Charge(ctx context.Context, accountID, id string) (*payments.Charge, error)
	ListCharges(ctx context.Context, accountID string, q ListQuery) ([]*payments.Charge, bool, error)

	PaymentMethod(ctx context.Context, accountID, id string) (*payments.PaymentMethod, error)
	ListPaymentMethods(ctx context.Context, accountID string, q ListQuery) ([]*payments.PaymentMethod, bool, error)

	Product(ctx context.Context, accountID, id string) (*checkout.Product, error)
	// ListProducts filters by Active.
	ListProducts(ctx context.Context, accountID string, q ListQuery) ([]*checkout.Product, bool, error)
	Price(ctx context.Context, accountID, id string) (*checkout.Price, error)
	// ListPrices filters by Active, Currency, Product and LookupKeys (a
	// price's unique lookup key, see checkout.Price.UniqueLookupKey).
	ListPrices(ctx context.Context, accountID string, q ListQuery) ([]*checkout.Price, bool, error)

	CheckoutSession(ctx context.Context, accountID, id string) (*checkout.Session, error)
	// CheckoutSessionByID finds a session whatever its account, for its
	// hosted page (which checks the page key).
	CheckoutSessionByID(ctx context.Context, id string) (*checkout.Session, error)
	// ListCheckoutSessions filters by PaymentIntent and Status.
	ListCheckoutSessions(ctx context.Context, accountID string, q ListQuery) ([]*checkout.Session, bool, error)
	// OverdueCheckoutSessions lists open sessions whose expires_at is at or
	// before now, earliest first.
	OverdueCheckoutSessions(ctx context.Context, now time.Time, limit int) ([]SessionRef, error)

	Event(ctx context.Context, accountID, id string) (*Event, error)
	ListEvents(ctx context.Context, accountID string, q ListQuery) ([]*Event, bool, error)

	IdempotentRequest(ctx context.Context, accountID, key string) (*IdempotentRequest, error)

	WebhookEndpoint(ctx context.Context, accountID, id string) (*webhooks.Endpoint, error)
	ListWebhookEndpoints(ctx context.Context, accountID string, q ListQuery) ([]*webhooks.Endpoint, bool, error)
	// AccountWebhookEndpoints returns all of an account's endpoints, enabled or not.
	// In a write transaction the result may be shared: callers only read it.
	AccountWebhookEndpoints(ctx context.Context, accountID string) ([]*webhooks.Endpoint, error)
	// ListDeliveries pages through an account's deliveries (newest first),
	// filtered by q.Endpoint and q.Event, each with its attempt history.
	ListDeliveries(ctx context.Context, accountID string, q ListQuery) ([]*webhooks.Delivery, bool, error)
	// DeliveryBacklog counts what is still owed, across accounts.
	DeliveryBacklog(ctx context.Context, now time.Time) (Backlog, error)
	// DeliveryDue tells whether any delivery is due by now and not
	// leased. Unlike DeliveryBacklog it stops at the first, so it costs
	// the same however long the backlog is.
	DeliveryDue(ctx context.Context, now time.Time) (bool, error)

	Refund(ctx context.Context, accountID, id string) (*payments.Refund, error)
	ListRefunds(ctx context.Context, accountID string, q ListQuery) ([]*payments.Refund, bool, error)
	// DueRefunds lists pending refunds the acquirer completes at or before
	// now (their SettleAt), earliest first.
	DueRefunds(ctx context.Context, now time.Time, limit int) ([]ObjectRef, error)

	Dispute(ctx context.Context, accountID, id string) (*payments.Dispute, error)
	ListDisputes(ctx context.Context, accountID string, q ListQuery) ([]*payments.Dispute, bool, error)

	BalanceTransaction(ctx context.Context, accountID, id string) (*ledger.Transaction, error)
	ListBalanceTransactions(ctx context.Context, accountID string, q ListQuery) ([]*ledger.Transaction, bool, error)
	// Balance sums the net of an account's transactions per currency
	// (ordered by currency): Available those available at now, Pending the rest.
	Balance(ctx context.Context, accountID string, now time.Time) ([]ledger.Balance, error)

	// ShopwareShop finds a shop that registered with an account's app
	// (in a write transaction, locked until it ends).
	ShopwareShop(ctx context.Context, accountID, shopID string) (*shopware.Shop, error)
	// ShopwareTransaction finds a shop's order transaction (locked in a
	// write transaction); ShopwareTransactionByIntent the one an intent pays.
	ShopwareTransaction(ctx context.Context, accountID, shopID, transactionID string) (*shopware.Transaction, error)
	ShopwareTransactionByIntent(ctx context.Context, accountID, intentID string) (*shopware.Transaction, error)
	// ShopwareAgreement finds the agreement paying a shop's subscription.
	ShopwareAgreement(ctx context.Context, accountID, shopID, subscriptionID string) (*shopware.Agreement, error)
	// ShopwarePushes lists an account's Admin API pushes, oldest first.
	ShopwarePushes(ctx context.Context, accountID string) ([]*shopware.Push, error)

	// PaygateMerchant finds Paygate credentials by MerchantID, whatever
	// the account (a Paygate request names only its MerchantID).
	PaygateMerchant(ctx context.Context, merchantID string) (*paygate.Merchant, error)
	// PaygateMerchantOfAccount finds an account's Paygate credentials.
	PaygateMerchantOfAccount(ctx context.Context, accountID string) (*paygate.Merchant, error)
	// PaygatePayment finds a payment by PayID, whatever its account (a
	// PayID is unguessable; callers check the merchant where it matters).
	PaygatePayment(ctx context.Context, payID string) (*paygate.Payment, error)
	// PaygatePaymentByIntent finds the payment an intent carries.
	PaygatePaymentByIntent(ctx context.Context, accountID, intentID string) (*paygate.Payment, error)
	// FinalPaygatePaymentByReqID finds a merchant's latest final payment
	// made with ReqId reqID.
	FinalPaygatePaymentByReqID(ctx context.Context, merchantID, reqID string) (*paygate.Payment, error)
}

// Tx is a write transaction.
//
// A store may send a write later than the call, with the statements that
// follow it (PostgreSQL batches them to save round trips): its failure
// then comes from a later call or from Write, and fails the transaction
// all the same. So an update of a row that is not there (or is another
// account's) fails the write with ErrNotFound, and CompleteIdempotencyKey
// of a claim no longer held with ErrConflict, from the call or from Write.
// Writes whose documented error callers handle inside the transaction
// (InsertPrice, UpdatePrice, InsertDispute) answer from the call.
type Tx interface {
	Reader

	// Finally runs fn once this write's fate is known, on Write's caller's
	// goroutine before Write returns: committed is true when its changes
	// were committed, false when they were not (fn failed, the write was
	// rolled back alone or with its batch, the commit failed). For work
	// that must follow a commit and never precede it, such as handing new
	// webhook deliveries to this process's sender.
	Finally(fn func(committed bool))

	InsertAccount(ctx context.Context, a Account) error
	InsertAPIKey(ctx context.Context, k APIKey) error

	InsertIntent(ctx context.Context, pi *payments.PaymentIntent) error
	UpdateIntent(ctx context.Context, pi *payments.PaymentIntent) error
	InsertCharge(ctx context.Context, ch *payments.Charge) error
	UpdateCharge(ctx context.Context, ch *payments.Charge) error
	InsertPaymentMethod(ctx context.Context, pm *payments.PaymentMethod) error
	// UpdatePaymentMethod replaces a payment method (its saved agreement).
	UpdatePaymentMethod(ctx context.Context, pm *payments.PaymentMethod) error
	InsertEvents(ctx context.Context, events []*Event) error
	// InsertBulk writes many new objects with few statements (kassa seed):
	// the same rows as their one-at-a-time inserts, much faster.
	InsertBulk(ctx context.Context, b Bulk) error

	InsertProduct(ctx context.Context, p *checkout.Product) error
	UpdateProduct(ctx context.Context, p *checkout.Product) error
	// InsertPrice and UpdatePrice return ErrConflict when another price of
	// the account holds the same unique lookup key.
	InsertPrice(ctx context.Context, p *checkout.Price) error
	UpdatePrice(ctx context.Context, p *checkout.Price) error
	InsertCheckoutSession(ctx context.Context, s *checkout.Session) error
	UpdateCheckoutSession(ctx context.Context, s *checkout.Session) error

	// ClaimIdempotencyKey inserts an in-flight claim, or returns the
	// existing record (completed, or in flight and not yet stale). The
	// claim is completed in the same transaction: a concurrent claim of
	// the same key waits for that transaction to end.
	ClaimIdempotencyKey(ctx context.Context, r IdempotentRequest, staleBefore time.Time) (existing *IdempotentRequest, err error)
	// CompleteIdempotencyKey stores the response of the claim made with
	// r.Claim; ErrConflict if that claim is no longer held.
	CompleteIdempotencyKey(ctx context.Context, r IdempotentRequest) error
	// PruneIdempotencyKeys deletes records created before cutoff, with or
	// without a response.
	PruneIdempotencyKeys(ctx context.Context, cutoff time.Time) (int, error)

	InsertRefund(ctx context.Context, r *payments.Refund) error
	UpdateRefund(ctx context.Context, r *payments.Refund) error
	// InsertDispute fails with ErrConflict when the charge already has a dispute.
	InsertDispute(ctx context.Context, d *payments.Dispute) error
	UpdateDispute(ctx context.Context, d *payments.Dispute) error
	// InsertBalanceTransactions appends ledger entries; they never change.
	InsertBalanceTransactions(ctx context.Context, txns []*ledger.Transaction) error

	InsertWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error
	UpdateWebhookEndpoint(ctx context.Context, e *webhooks.Endpoint) error
	// DeleteWebhookEndpoint deletes an endpoint and cancels its pending
	// deliveries (their history stays).
	DeleteWebhookEndpoint(ctx context.Context, accountID, id string) error
	// InsertDeliveries adds pending deliveries (the outbox): callers insert
	// them in the transaction that records their events.
	InsertDeliveries(ctx context.Context, ds []*webhooks.Delivery) error
	// ClaimDeliveries leases up to c.Limit pending deliveries of existing
	// endpoints that are due and not leased, round-robin over endpoints
	// (each endpoint's oldest first; the endpoint waiting longest first),
	// and never so many that an endpoint would have more than c.PerEndpoint
	// leased at once. A claimed delivery carries c.Claim.
	ClaimDeliveries(ctx context.Context, c Claim) ([]*webhooks.Delivery, error)
	// RecordOutcomes applies finished attempts whose claim still holds (a
	// delivery whose lease ran out and was claimed again ignores the late
	// result) and returns how many applied.
	RecordOutcomes(ctx context.Context, outcomes []webhooks.Outcome) (int, error)

	// SaveShopwareShop inserts or replaces a shop (keyed by account and shop id).
	SaveShopwareShop(ctx context.Context, s *shopware.Shop) error
	// InsertShopwareTransaction returns ErrConflict when the shop already
	// has that order transaction; UpdateShopwareTransaction replaces one.
	InsertShopwareTransaction(ctx context.Context, t *shopware.Transaction) error
	UpdateShopwareTransaction(ctx context.Context, t *shopware.Transaction) error
	// SaveShopwareAgreement inserts or replaces the agreement of a
	// subscription (keyed by account, shop and subscription id).
	SaveShopwareAgreement(ctx context.Context, a *shopware.Agreement) error
	// InsertShopwarePush adds a pending push (in the transaction that owes it).
	InsertShopwarePush(ctx context.Context, p *shopware.Push) error
	// ClaimShopwarePushes leases up to limit pending pushes due at now and
	// not leased, oldest due first; each carries claim until leaseUntil.
	ClaimShopwarePushes(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]*shopware.Push, error)
	// RecordShopwarePush saves a claimed push's outcome (status, attempts,
	// next attempt, error) and drops its lease, if p.Claim still holds;
	// ErrConflict when the lease was lost to another claim.
	RecordShopwarePush(ctx context.Context, p *shopware.Push) error

	// InsertPaygateMerchant adds an account's Paygate credentials;
	// ErrConflict if the account or the MerchantID already has some.
	InsertPaygateMerchant(ctx context.Context, m *paygate.Merchant) error
	// UpdatePaygateMerchant replaces the algorithm and keys of the
	// credentials with m's MerchantID (a key rotation).
	UpdatePaygateMerchant(ctx context.Context, m *paygate.Merchant) error
	InsertPaygatePayment(ctx context.Context, p *paygate.Payment) error
	// UpdatePaygatePayment saves p, its notify lease (Claim, LeaseUntil)
	// included.
	UpdatePaygatePayment(ctx context.Context, p *paygate.Payment) error
	// ClaimPaygateNotifies leases up to limit payments whose notify is due
	// at now and not leased, until leaseUntil, under claim.
	ClaimPaygateNotifies(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]*paygate.Payment, error)
}

// Claim is a request to lease due deliveries.
type Claim struct {
	Claim       string
	Now         time.Time
	LeaseUntil  time.Time
	Limit       int
	PerEndpoint int
}

// Backlog is what the webhook outbox still owes.
type Backlog struct {
	// Pending deliveries, due or not; Due ones are due by now and not leased.
	Pending, Due int
	// OldestDue is the earliest due time of a Due delivery (zero if none).
	OldestDue time.Time
}

// Account is a merchant.
type Account struct {
	ID         string
	Name       string
	APIVersion string
	Created    time.Time
}

// Key kinds.
const (
	SecretKey      = "secret"
	PublishableKey = "publishable"
)

// APIKey is stored by the SHA-256 of the key; the key itself is never kept.
type APIKey struct {
	Hash      string
	AccountID string
	Kind      string
	Livemode  bool
	Last4     string
	Created   time.Time
}

// ObjectRef names an object of an account.
type ObjectRef struct {
	AccountID string
	ID        string
}

// IntentRef names an intent.
type IntentRef = ObjectRef

// SessionRef names a Checkout Session.
type SessionRef = ObjectRef

// ListQuery is Stripe's list pagination and filters. Results are newest first.
type ListQuery struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
	Created       TimeRange
	// PaymentIntent filters charges, refunds and disputes by their intent.
	PaymentIntent string
	// Charge filters refunds and disputes by their charge.
	Charge string
	// Types filters events and balance transactions by type (exact names).
	Types []string
	// Endpoint and Event filter webhook deliveries.
	Endpoint, Event string
	// Active filters products and prices; nil means both.
	Active *bool
	// Currency filters prices and balance transactions; Product and
	// LookupKeys (any of them) filter prices.
	Currency   string
	Product    string
	LookupKeys []string
	// Status filters Checkout Sessions (open, complete, expired).
	Status string
	// Source filters balance transactions.
	Source string
}

// TimeRange bounds created timestamps; zero bounds are open.
type TimeRange struct {
	GT, GTE, LT, LTE time.Time
}

// Event is a recorded fact with a snapshot of its object (a
// *payments.PaymentIntent, *payments.Charge, *payments.PaymentMethod,
// *checkout.Session, *checkout.Product, *checkout.Price, *payments.Refund
// or *payments.Dispute).
type Event struct {
	ID             string
	AccountID      string
	Type           string
	APIVersion     string
	Created        time.Time
	RequestID      string
	IdempotencyKey string
	Object         any
	// PendingWebhooks counts the event's deliveries still pending (read only).
	PendingWebhooks int
}

// IdempotentRequest is a claimed Idempotency-Key and, once done, its response.
type IdempotentRequest struct {
	AccountID  string
	Key        string
	Endpoint   string // method and path, e.g. "POST /v1/payment_intents"
	ParamsHash string
	Claim      string // random token of the request holding the key
	Status     int    // 0 while in flight
	Body       []byte
	Created    time.Time
}
