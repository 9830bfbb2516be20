-- Money after the payment: refunds, disputes and the balance ledger.
-- Documents as JSON beside the columns queries filter and order by.
CREATE TABLE refunds (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    charge_id         TEXT NOT NULL,
    payment_intent_id TEXT NOT NULL,
    created           INTEGER NOT NULL,
    status            TEXT NOT NULL,
    -- settle_at: when the acquirer completes a pending refund (NULL otherwise).
    settle_at         INTEGER,
    data              TEXT NOT NULL
);
CREATE INDEX refunds_account ON refunds(account_id, seq);
CREATE INDEX refunds_charge ON refunds(account_id, charge_id, seq);
CREATE INDEX refunds_intent ON refunds(account_id, payment_intent_id, seq);
CREATE INDEX refunds_settle_at ON refunds(settle_at) WHERE settle_at IS NOT NULL;

-- One dispute per charge: the unique charge_id is a guard of its own.
CREATE TABLE disputes (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    charge_id         TEXT NOT NULL UNIQUE,
    payment_intent_id TEXT NOT NULL,
    created           INTEGER NOT NULL,
    status            TEXT NOT NULL,
    data              TEXT NOT NULL
);
CREATE INDEX disputes_account ON disputes(account_id, seq);
CREATE INDEX disputes_intent ON disputes(account_id, payment_intent_id, seq);

-- Ledger entries are appended and never change; the balance is their sum.
CREATE TABLE balance_transactions (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    created      INTEGER NOT NULL,
    type         TEXT NOT NULL,
    source       TEXT NOT NULL,
    currency     TEXT NOT NULL,
    available_on INTEGER NOT NULL,
    net          INTEGER NOT NULL,
    data         TEXT NOT NULL
);
CREATE INDEX balance_transactions_account ON balance_transactions(account_id, seq);
CREATE INDEX balance_transactions_source ON balance_transactions(account_id, source, seq);
CREATE INDEX balance_transactions_balance ON balance_transactions(account_id, currency, available_on, net);
