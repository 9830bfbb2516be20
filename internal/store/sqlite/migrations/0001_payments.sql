-- Accounts and their API keys (stored as SHA-256 hashes only).
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    api_version TEXT NOT NULL,
    created     INTEGER NOT NULL
);

CREATE TABLE api_keys (
    hash       TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    kind       TEXT NOT NULL,
    livemode   INTEGER NOT NULL,
    last4      TEXT NOT NULL,
    created    INTEGER NOT NULL
);

-- Objects are stored as JSON documents beside the columns that queries
-- filter and order by. seq orders lists (newest first) and pagination.
CREATE TABLE payment_intents (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created    INTEGER NOT NULL,
    status     TEXT NOT NULL,
    attempt    TEXT UNIQUE,
    deadline   INTEGER,
    data       TEXT NOT NULL
);
CREATE INDEX payment_intents_account ON payment_intents(account_id, seq);
CREATE INDEX payment_intents_deadline ON payment_intents(deadline) WHERE deadline IS NOT NULL;

CREATE TABLE charges (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    payment_intent_id TEXT NOT NULL,
    created           INTEGER NOT NULL,
    data              TEXT NOT NULL
);
CREATE INDEX charges_account ON charges(account_id, seq);
CREATE INDEX charges_intent ON charges(payment_intent_id, seq);

CREATE TABLE payment_methods (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created    INTEGER NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX payment_methods_account ON payment_methods(account_id, seq);

CREATE TABLE events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    type            TEXT NOT NULL,
    api_version     TEXT NOT NULL,
    created         INTEGER NOT NULL,
    request_id      TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX events_account ON events(account_id, seq);

-- status 0 marks a request in flight; claim identifies its holder.
CREATE TABLE idempotency_keys (
    account_id  TEXT NOT NULL,
    key         TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    params_hash TEXT NOT NULL,
    claim       TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        BLOB,
    created     INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created);
