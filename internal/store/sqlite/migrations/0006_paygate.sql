-- Paygate credentials, at most one set per account. The Blowfish/AES and
-- HMAC passwords are sealed with Kassa's secrets key, never stored in the
-- clear (the shop needs them back, so they cannot be hashed).
CREATE TABLE paygate_merchants (
    merchant_id    TEXT NOT NULL UNIQUE,
    account_id     TEXT NOT NULL UNIQUE REFERENCES accounts(id),
    algorithm      TEXT NOT NULL,
    encryption_key BLOB NOT NULL,
    hmac_key       BLOB NOT NULL,
    created        INTEGER NOT NULL
);
