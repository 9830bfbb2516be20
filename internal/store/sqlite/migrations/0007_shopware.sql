-- Shopware shops that installed an account's app, and the order
-- transactions they asked Kassa to pay: JSON documents (the shop's secrets
-- in them are sealed with Kassa's secrets key).
CREATE TABLE shopware_shops (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    shop_id    TEXT NOT NULL,
    created    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, shop_id)
);

CREATE TABLE shopware_transactions (
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    shop_id        TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    intent_id      TEXT NOT NULL,
    created        INTEGER NOT NULL,
    data           TEXT NOT NULL,
    PRIMARY KEY (account_id, shop_id, transaction_id)
);
CREATE INDEX shopware_transactions_intent ON shopware_transactions(account_id, intent_id);

-- The outbox of Admin API state transitions owed to shops: due rows are
-- leased (claim, lease_until) before they are sent, so two instances never
-- send the same attempt at once and a dead one's lease simply runs out.
CREATE TABLE shopware_pushes (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    status          TEXT NOT NULL,
    next_attempt_at INTEGER,
    lease_until     INTEGER,
    created         INTEGER NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX shopware_pushes_due ON shopware_pushes(next_attempt_at) WHERE status = 'pending';
CREATE INDEX shopware_pushes_account ON shopware_pushes(account_id, created);
