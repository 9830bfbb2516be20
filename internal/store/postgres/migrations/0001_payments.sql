-- The same tables as the SQLite store's 0001_payments.sql. Times are unix
-- nanoseconds (BIGINT) so filters and ordering match SQLite's exactly.
-- Documents are JSON (stored verbatim, as SQLite stores them; jsonb would
-- refuse the \u0000 escape a metadata value may carry).

-- Accounts and their API keys (stored as SHA-256 hashes only).
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    api_version TEXT NOT NULL,
    created     BIGINT NOT NULL
);

CREATE TABLE api_keys (
    hash       TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    kind       TEXT NOT NULL,
    livemode   BOOLEAN NOT NULL,
    last4      TEXT NOT NULL,
    created    BIGINT NOT NULL
);

-- seq orders lists (newest first) and pagination.
CREATE TABLE payment_intents (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created    BIGINT NOT NULL,
    status     TEXT NOT NULL,
    attempt    TEXT UNIQUE,
    deadline   BIGINT,
    data       JSON NOT NULL
);
CREATE INDEX payment_intents_account ON payment_intents(account_id, seq);
CREATE INDEX payment_intents_deadline ON payment_intents(deadline) WHERE deadline IS NOT NULL;

CREATE TABLE charges (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    payment_intent_id TEXT NOT NULL,
    created           BIGINT NOT NULL,
    data              JSON NOT NULL
);
CREATE INDEX charges_account ON charges(account_id, seq);
CREATE INDEX charges_intent ON charges(payment_intent_id, seq);

CREATE TABLE payment_methods (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created    BIGINT NOT NULL,
    data       JSON NOT NULL
);
CREATE INDEX payment_methods_account ON payment_methods(account_id, seq);

CREATE TABLE events (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    type            TEXT NOT NULL,
    api_version     TEXT NOT NULL,
    created         BIGINT NOT NULL,
    request_id      TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    data            JSON NOT NULL
);
CREATE INDEX events_account ON events(account_id, seq);

-- status 0 marks a request in flight; claim identifies its holder. The
-- primary key is what makes one key one effect across Kassa instances.
CREATE TABLE idempotency_keys (
    account_id  TEXT NOT NULL,
    key         TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    params_hash TEXT NOT NULL,
    claim       TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        BYTEA,
    created     BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created);
