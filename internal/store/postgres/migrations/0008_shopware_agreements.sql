-- Shopware subscriptions and the payment method whose saved agreement pays
-- them (JSON documents), found by the subscription id of a recurring call.
CREATE TABLE shopware_agreements (
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    shop_id         TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    created         BIGINT NOT NULL,
    data            JSON NOT NULL,
    PRIMARY KEY (account_id, shop_id, subscription_id)
);
