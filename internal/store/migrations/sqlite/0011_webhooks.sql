-- Webhook subscriptions and their deliveries (issue #13).
--
-- A subscription follows its tenant's change feed from position: the node
-- holding the "webhook-fanout" lease turns every new event that matches the
-- subscription (kinds, project, filter) into a delivery row with its
-- payload, and moves position in the same transaction, so each event
-- becomes one delivery once. Any node delivers: it claims due deliveries by
-- setting lease_until (only the first pending delivery of a customer is
-- due, which keeps each customer's deliveries in order), posts them and
-- records the outcome; a claim left by a crashed node expires and the
-- delivery is retried. Every attempt is logged in webhook_attempts.
CREATE TABLE webhooks (
    tenant_id       INTEGER NOT NULL,
    id              INTEGER NOT NULL,
    project_id      INTEGER,
    url             TEXT NOT NULL,
    kinds           TEXT NOT NULL DEFAULT '',
    filter          TEXT NOT NULL DEFAULT '',
    format          TEXT NOT NULL DEFAULT 'native',
    secret          BLOB NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT NOT NULL DEFAULT '',
    disabled_at     INTEGER NOT NULL DEFAULT 0,
    position        INTEGER NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhooks_enabled ON webhooks (enabled, tenant_id, id);

CREATE TABLE webhook_deliveries (
    tenant_id     INTEGER NOT NULL,
    webhook_id    INTEGER NOT NULL,
    id            INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    event_id      INTEGER NOT NULL,
    customer_id   INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL,
    lease_until   INTEGER NOT NULL DEFAULT 0,
    first_at      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    done_at       INTEGER NOT NULL DEFAULT 0,
    last_code     INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    last_latency  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, webhook_id, id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_customer ON webhook_deliveries (tenant_id, webhook_id, customer_id, position) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (tenant_id, webhook_id, position);

CREATE TABLE webhook_attempts (
    tenant_id   INTEGER NOT NULL,
    webhook_id  INTEGER NOT NULL,
    delivery_id INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    code        INTEGER NOT NULL DEFAULT 0,
    latency     INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, webhook_id, delivery_id, attempt)
);
