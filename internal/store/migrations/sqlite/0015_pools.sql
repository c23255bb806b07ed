-- 公海: customer pools (issue 16).
--
-- A pool holds customers nobody owns; reps claim them within the pool's
-- rules, managers assign them, and customers whose owner neither follows
-- them up nor moves their deal stage go back to the pool (recycling, run
-- under a lease by one node; see internal/crm/pools.go).
--
-- On customers: pool_id is the pool a customer is in (NULL: owned or in no
-- pool); home_pool_id the pool whose recycling rules govern an owned
-- customer (the pool it was claimed or assigned from, or moved into);
-- claimed_at, protected_until, pool_entered_at, pool_entry (how it last
-- entered a pool: recycle.follow, recycle.deal, release, move, import) and
-- pool_reason carry the state 探马 shows in every row; stage_changed_at is
-- when the deal stage last changed (the "no deal progress" rule).
--
-- customer_grams rows carry pool_id too, so "pool = P && name ~ 张" is one
-- range scan of the token index, as every other scoped search is (0005).
CREATE TABLE pools (
    tenant_id          INTEGER NOT NULL REFERENCES tenants(id),
    id                 INTEGER NOT NULL,
    name               TEXT    NOT NULL,
    project_id         INTEGER,
    department_id      INTEGER,
    recycle_follow_days INTEGER NOT NULL DEFAULT 0,
    recycle_deal_days  INTEGER NOT NULL DEFAULT 0,
    protect_days       INTEGER NOT NULL DEFAULT 0,
    max_per_rep        INTEGER NOT NULL DEFAULT 0,
    cooldown_days      INTEGER NOT NULL DEFAULT 0,
    daily_claim_limit  INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX pools_name ON pools (tenant_id, name);

-- Every pool action (claim, release, assign, transfer, move, recycle,
-- import): the rules read it (a rep's claims today, a rep's last release of
-- a customer), the API lists it. staff_id is the rep the action gave the
-- customer to or took it from.
CREATE TABLE pool_actions (
    tenant_id     INTEGER NOT NULL,
    id            INTEGER NOT NULL,
    pool_id       INTEGER NOT NULL,
    customer_id   INTEGER NOT NULL,
    action        TEXT    NOT NULL,
    staff_id      INTEGER NOT NULL DEFAULT 0,
    from_staff_id INTEGER NOT NULL DEFAULT 0,
    from_pool_id    INTEGER NOT NULL DEFAULT 0,
    actor_id      TEXT    NOT NULL DEFAULT '',
    actor_name    TEXT    NOT NULL DEFAULT '',
    actor_kind    TEXT    NOT NULL DEFAULT '',
    via           TEXT    NOT NULL DEFAULT '',
    reason        TEXT    NOT NULL DEFAULT '',
    at            INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX pool_actions_staff ON pool_actions (tenant_id, pool_id, staff_id, action, at);
CREATE INDEX pool_actions_customer ON pool_actions (tenant_id, customer_id, at);
CREATE INDEX pool_actions_pool ON pool_actions (tenant_id, pool_id, id);

ALTER TABLE customers ADD COLUMN pool_id INTEGER;
ALTER TABLE customers ADD COLUMN home_pool_id INTEGER;
ALTER TABLE customers ADD COLUMN claimed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN protected_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN pool_entered_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN pool_entry TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN pool_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN stage_changed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customer_grams ADD COLUMN pool_id INTEGER NOT NULL DEFAULT 0;

-- A pool's customers newest first, scope checked inside the index.
CREATE INDEX customers_pool ON customers (tenant_id, pool_id, created_at, id, project_id, status, owner_id) WHERE pool_id IS NOT NULL;
-- Owned customers a pool governs: the recycler walks them by claim time;
-- the cap counts a rep's.
CREATE INDEX customers_home_pool ON customers (tenant_id, home_pool_id, claimed_at, id, protected_until, stage_changed_at, last_follow_at, owner_id, pool_id) WHERE home_pool_id IS NOT NULL;
CREATE INDEX customers_home_owner ON customers (tenant_id, home_pool_id, owner_id) WHERE home_pool_id IS NOT NULL;

-- Each event of a pool action says which action and why.
ALTER TABLE customer_events ADD COLUMN action TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_events ADD COLUMN reason TEXT NOT NULL DEFAULT '';
