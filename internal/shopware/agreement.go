package shopware

import "time"

// Agreement links a Shopware subscription to the payment method whose
// saved agreement pays it: the first order of the subscription (its pay
// call carries recurring.subscriptionId) records it, and every recurring
// call of the subscription charges that payment method off-session.
type Agreement struct {
	AccountID      string `json:"account_id"`
	ShopID         string `json:"shop_id"`
	SubscriptionID string `json:"subscription_id"`
	// PaymentMethodID is the Kassa payment method the customer paid the
	// first order with; its agreement is active once that payment succeeded.
	PaymentMethodID string `json:"payment_method"`
	// TransactionID and IntentID are the first order transaction and its intent.
	TransactionID string    `json:"transaction_id"`
	IntentID      string    `json:"intent_id"`
	Created       time.Time `json:"created"`
}
