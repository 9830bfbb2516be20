-- The same tables as the SQLite store's 0003_webhooks.sql (0002 is left
-- for the migration numbered so there).

-- Webhook endpoints: a JSON document (the signing secret in it is sealed
-- with Kassa's secrets key, never stored in the clear).
CREATE TABLE webhook_endpoints (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created    BIGINT NOT NULL,
    data       JSON NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints(account_id, seq);

-- The outbox: one row per event owed to an endpoint, inserted in the
-- transaction that records the event. A sender leases due rows (claim,
-- lease_until) while it holds their endpoint's row lock, so two senders,
-- in one process or several, never send the same attempt at once; a lease
-- left by a dead process simply runs out.
CREATE TABLE webhook_deliveries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    endpoint_id     TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at BIGINT,
    claim           TEXT,
    lease_until     BIGINT,
    created         BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(endpoint_id, next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries(endpoint_id, lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX webhook_deliveries_pending_event ON webhook_deliveries(event_id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_account ON webhook_deliveries(account_id, seq);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, seq);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL,
    number      INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    status_code INTEGER NOT NULL,
    latency     BIGINT NOT NULL, -- nanoseconds
    error       TEXT NOT NULL,
    PRIMARY KEY (delivery_id, number)
);
