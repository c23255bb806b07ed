-- 公海: customer pools (issue 16); see the SQLite migration of the same
-- number for what each table and column is.
CREATE TABLE pools (
    tenant_id           BIGINT NOT NULL REFERENCES tenants(id),
    id                  BIGINT NOT NULL,
    name                TEXT COLLATE "C" NOT NULL,
    project_id          BIGINT,
    department_id       BIGINT,
    recycle_follow_days BIGINT NOT NULL DEFAULT 0,
    recycle_deal_days   BIGINT NOT NULL DEFAULT 0,
    protect_days        BIGINT NOT NULL DEFAULT 0,
    max_per_rep         BIGINT NOT NULL DEFAULT 0,
    cooldown_days       BIGINT NOT NULL DEFAULT 0,
    daily_claim_limit   BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX pools_name ON pools (tenant_id, name);

CREATE TABLE pool_actions (
    tenant_id     BIGINT NOT NULL,
    id            BIGINT NOT NULL,
    pool_id       BIGINT NOT NULL,
    customer_id   BIGINT NOT NULL,
    action        TEXT COLLATE "C" NOT NULL,
    staff_id      BIGINT NOT NULL DEFAULT 0,
    from_staff_id BIGINT NOT NULL DEFAULT 0,
    from_pool_id    BIGINT NOT NULL DEFAULT 0,
    actor_id      TEXT COLLATE "C" NOT NULL DEFAULT '',
    actor_name    TEXT COLLATE "C" NOT NULL DEFAULT '',
    actor_kind    TEXT COLLATE "C" NOT NULL DEFAULT '',
    via           TEXT COLLATE "C" NOT NULL DEFAULT '',
    reason        TEXT COLLATE "C" NOT NULL DEFAULT '',
    at            BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX pool_actions_staff ON pool_actions (tenant_id, pool_id, staff_id, action, at);
CREATE INDEX pool_actions_customer ON pool_actions (tenant_id, customer_id, at);
CREATE INDEX pool_actions_pool ON pool_actions (tenant_id, pool_id, id);

ALTER TABLE customers
    ADD COLUMN pool_id BIGINT,
    ADD COLUMN home_pool_id BIGINT,
    ADD COLUMN claimed_at BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN protected_until BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pool_entered_at BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pool_entry TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN pool_reason TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN stage_changed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customer_grams ADD COLUMN pool_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customer_grams DROP CONSTRAINT customer_grams_pkey;
ALTER TABLE customer_grams ADD CONSTRAINT customer_grams_pkey PRIMARY KEY (tenant_id, gram, customer_id)
    INCLUDE (status, project_id, owner_id, created_at, pool_id);

CREATE INDEX customers_pool ON customers (tenant_id, pool_id, created_at, id) INCLUDE (project_id, status, owner_id) WHERE pool_id IS NOT NULL;
CREATE INDEX customers_home_pool ON customers (tenant_id, home_pool_id, claimed_at, id) INCLUDE (protected_until, stage_changed_at, last_follow_at, owner_id, pool_id) WHERE home_pool_id IS NOT NULL;
CREATE INDEX customers_home_owner ON customers (tenant_id, home_pool_id, owner_id) WHERE home_pool_id IS NOT NULL;

ALTER TABLE customer_events
    ADD COLUMN action TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN reason TEXT COLLATE "C" NOT NULL DEFAULT '';
