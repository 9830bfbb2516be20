-- The same tables as the SQLite store's 0004_checkout.sql: products, prices
-- (the catalogue line items refer to) and hosted Checkout Sessions, stored
-- like the payment tables.
CREATE TABLE products (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created    BIGINT NOT NULL,
    active     BOOLEAN NOT NULL,
    data       JSON NOT NULL
);
CREATE INDEX products_account ON products(account_id, seq);

-- lookup_key is set only for a key the price holds uniquely (prices made
-- from a line item's price_data hold none).
CREATE TABLE prices (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created    BIGINT NOT NULL,
    active     BOOLEAN NOT NULL,
    product_id TEXT NOT NULL,
    currency   TEXT NOT NULL,
    lookup_key TEXT,
    data       JSON NOT NULL
);
CREATE INDEX prices_account ON prices(account_id, seq);
CREATE UNIQUE INDEX prices_lookup_key ON prices(account_id, lookup_key) WHERE lookup_key IS NOT NULL;

-- deadline is expires_at while the session is open: the timer's index, as
-- payment_intents.deadline is for attempts.
CREATE TABLE checkout_sessions (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    created           BIGINT NOT NULL,
    status            TEXT NOT NULL,
    payment_intent_id TEXT NOT NULL,
    deadline          BIGINT,
    data              JSON NOT NULL
);
CREATE INDEX checkout_sessions_account ON checkout_sessions(account_id, seq);
CREATE INDEX checkout_sessions_intent ON checkout_sessions(account_id, payment_intent_id);
CREATE INDEX checkout_sessions_deadline ON checkout_sessions(deadline) WHERE deadline IS NOT NULL;
