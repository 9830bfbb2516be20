-- Every webhook delivery is inserted, leased and concluded once, and each
-- index on webhook_deliveries is written every time. Deliveries are only
-- listed per endpoint (the endpoint index), so the account index goes.
DROP INDEX webhook_deliveries_account;
-- The sender asks whether anything is due and /metrics counts the backlog:
-- with lease_until in the index neither reads a row, so a backlog of a
-- million deliveries costs an index scan, not a million row lookups.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at, lease_until) WHERE status = 'pending';
