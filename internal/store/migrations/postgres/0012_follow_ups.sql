-- Follow-ups (跟进记录, issue #16) and the three customer fields they keep.
--
-- A follow-up belongs to a customer and a staff member: a kind (the five
-- built-in kinds have ids 1–5 in code; a tenant's own kinds are rows of
-- follow_up_kinds), content, when it happened and optionally when to follow
-- up next. crm keeps customers.last_follow_at / last_follow_user /
-- next_follow_at equal to the newest follow-up (by followed_at, then id) in
-- the same transaction as every follow-up write. Times are epoch ms; 0 is
-- "never" (no follow-up yet, no next follow-up planned), so the columns sort
-- and range-scan on plain composite indexes without COALESCE.
ALTER TABLE customers ADD COLUMN last_follow_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN last_follow_user BIGINT;
ALTER TABLE customers ADD COLUMN next_follow_at BIGINT NOT NULL DEFAULT 0;

-- Sorted and ranged lists over the whole tenant, one project (bound
-- callers) and one owner (销售's own customers, a pool's recycle rule);
-- the included columns let scoped lists check a candidate from the index.
CREATE INDEX customers_last_follow ON customers (tenant_id, last_follow_at, id) INCLUDE (project_id, status, owner_id);
CREATE INDEX customers_project_last_follow ON customers (tenant_id, project_id, last_follow_at, id) INCLUDE (status, owner_id);
CREATE INDEX customers_owner_last_follow ON customers (tenant_id, owner_id, last_follow_at, id) INCLUDE (project_id, status) WHERE owner_id IS NOT NULL;
CREATE INDEX customers_next_follow ON customers (tenant_id, next_follow_at, id) INCLUDE (project_id, status, owner_id);
CREATE INDEX customers_owner_next_follow ON customers (tenant_id, owner_id, next_follow_at, id) INCLUDE (project_id, status) WHERE owner_id IS NOT NULL;
CREATE INDEX customers_last_follow_user ON customers (tenant_id, last_follow_user, id) WHERE last_follow_user IS NOT NULL;

CREATE TABLE follow_up_kinds (
    tenant_id  BIGINT NOT NULL,
    id         BIGINT NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    position   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX follow_up_kinds_name ON follow_up_kinds (tenant_id, name);

CREATE TABLE follow_ups (
    tenant_id       BIGINT NOT NULL,
    id              BIGINT NOT NULL,
    customer_id     BIGINT NOT NULL,
    staff_id        BIGINT NOT NULL,
    kind_id         BIGINT NOT NULL,
    content         TEXT COLLATE "C" NOT NULL DEFAULT '',
    followed_at     BIGINT NOT NULL,
    next_at         BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    created_by      TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_by_name TEXT COLLATE "C" NOT NULL DEFAULT '',
    updated_by      TEXT COLLATE "C" NOT NULL DEFAULT '',
    updated_by_name TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
-- A customer's timeline newest first; a staff member's follow-ups newest
-- first; whether a kind is still in use.
CREATE INDEX follow_ups_customer ON follow_ups (tenant_id, customer_id, followed_at, id);
CREATE INDEX follow_ups_staff ON follow_ups (tenant_id, staff_id, followed_at, id);
CREATE INDEX follow_ups_kind ON follow_ups (tenant_id, kind_id);
