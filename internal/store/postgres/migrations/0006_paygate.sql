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
