-- The same tables as the SQLite store's 0007_shopware.sql.
-- Shopware shops that installed an account's app, and the order
-- transactions they asked Kassa to pay: JSON documents (the shop's secrets
-- in them are sealed with Kassa's secrets key).
CREATE TABLE shopware_shops (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    shop_id    TEXT NOT NULL,
    created    BIGINT NOT NULL,
    data       JSON NOT NULL,
    PRIMARY KEY (account_id, shop_id)
);

CREATE TABLE shopware_transactions (
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    shop_id        TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    intent_id      TEXT NOT NULL,
    created        BIGINT NOT NULL,
    data           JSON NOT NULL,
    PRIMARY KEY (account_id, shop_id, transaction_id)
);
CREATE INDEX shopware_transactions_intent ON shopware_transactions(account_id, intent_id);
