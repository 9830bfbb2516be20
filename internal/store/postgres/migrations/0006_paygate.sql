-- The same table as the SQLite store's 0006_paygate.sql.

-- Paygate credentials, at most one set per account. The Blowfish/AES and
-- HMAC passwords are sealed with Kassa's secrets key, never stored in the
-- clear (the shop needs them back, so they cannot be hashed).
CREATE TABLE paygate_merchants (
    merchant_id    TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL UNIQUE REFERENCES accounts(id),
    algorithm      TEXT NOT NULL,
    encryption_key BYTEA NOT NULL,
    hmac_key       BYTEA NOT NULL,
    created        BIGINT NOT NULL
);

-- Paygate payments (PayIDs): a JSON document with the request, the
-- result and the notify's state, plus the columns that find them. A
-- payment owes a notify while notify_next_at is set; a sender leases it
-- (claim, lease_until) before posting, as the webhook outbox does.
CREATE TABLE paygate_payments (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pay_id         TEXT NOT NULL UNIQUE,
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    merchant_id    TEXT NOT NULL,
    intent_id      TEXT NOT NULL UNIQUE,
    req_id         TEXT,
    status         TEXT NOT NULL,
    notify_next_at BIGINT,
    claim          TEXT,
    lease_until    BIGINT,
    created        BIGINT NOT NULL,
    data           JSON NOT NULL
);
CREATE INDEX paygate_payments_req ON paygate_payments(merchant_id, req_id, seq) WHERE req_id IS NOT NULL;
CREATE INDEX paygate_payments_notify ON paygate_payments(notify_next_at) WHERE notify_next_at IS NOT NULL;
