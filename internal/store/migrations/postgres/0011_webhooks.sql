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
    tenant_id       BIGINT NOT NULL,
    id              BIGINT NOT NULL,
    project_id      BIGINT,
    url             TEXT COLLATE "C" NOT NULL,
    kinds           TEXT COLLATE "C" NOT NULL DEFAULT '',
    filter          TEXT COLLATE "C" NOT NULL DEFAULT '',
    format          TEXT COLLATE "C" NOT NULL DEFAULT 'native',
    secret          BYTEA NOT NULL,
    enabled         BIGINT NOT NULL DEFAULT 1,
    disabled_reason TEXT COLLATE "C" NOT NULL DEFAULT '',
    disabled_at     BIGINT NOT NULL DEFAULT 0,
    position        BIGINT NOT NULL DEFAULT 0,
    failures        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhooks_enabled ON webhooks (enabled, tenant_id, id);

CREATE TABLE webhook_deliveries (
    tenant_id     BIGINT NOT NULL,
    webhook_id    BIGINT NOT NULL,
    id            BIGINT NOT NULL,
    position      BIGINT NOT NULL,
    event_id      BIGINT NOT NULL,
    customer_id   BIGINT NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    payload       TEXT COLLATE "C" NOT NULL,
    status        TEXT COLLATE "C" NOT NULL DEFAULT 'pending',
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_at       BIGINT NOT NULL,
    lease_until   BIGINT NOT NULL DEFAULT 0,
    first_at      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    done_at       BIGINT NOT NULL DEFAULT 0,
    last_code     BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_latency  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, webhook_id, id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_customer ON webhook_deliveries (tenant_id, webhook_id, customer_id, position) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (tenant_id, webhook_id, position);

CREATE TABLE webhook_attempts (
    tenant_id   BIGINT NOT NULL,
    webhook_id  BIGINT NOT NULL,
    delivery_id BIGINT NOT NULL,
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    code        BIGINT NOT NULL DEFAULT 0,
    latency     BIGINT NOT NULL DEFAULT 0,
    error       TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, webhook_id, delivery_id, attempt)
);
