-- Speed at scale (issue #5); see the SQLite migration of the same number.
-- PostgreSQL keeps the customers table as it is (its rows are deformed
-- with cached offsets up to the first variable-width column anyway); the
-- token, company and counter changes are the same.

CREATE INDEX customers_company ON customers (tenant_id, company_norm) WHERE company_norm <> '';
-- The creation-time index carries project and status, so newest-first
-- pages filtered by them (every 达实 page) are index-only scans.
DROP INDEX customers_created;
CREATE INDEX customers_created ON customers (tenant_id, created_at, id) INCLUDE (project_id, status);

DELETE FROM customer_grams WHERE gram >= 'c' AND gram < 'd';
ALTER TABLE customer_grams ADD COLUMN status BIGINT NOT NULL DEFAULT 1;
UPDATE customer_grams g SET status = c.status FROM customers c
    WHERE c.tenant_id = g.tenant_id AND c.id = g.customer_id AND g.status <> c.status;

CREATE TABLE value_grams (
    tenant_id BIGINT NOT NULL,
    gram      TEXT COLLATE "C" NOT NULL,
    value     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, gram, value)
);
-- (filled from the existing customers by a Go step of this migration)

CREATE TABLE customer_counts (
    tenant_id  BIGINT NOT NULL,
    project_id BIGINT NOT NULL, -- 0: no project
    status     BIGINT NOT NULL,
    slot       BIGINT NOT NULL, -- customer id % 8: concurrent writers rarely wait on one row
    n          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, project_id, status, slot)
);
INSERT INTO customer_counts (tenant_id, project_id, status, slot, n)
    SELECT tenant_id, COALESCE(project_id, 0), status, id % 8, COUNT(*) FROM customers GROUP BY 1, 2, 3, 4;
