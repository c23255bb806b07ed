-- Scoped searches (issue 14); see the SQLite migration of the same number.
-- The token rows carry project, owner and creation time next to the status,
-- in the primary key's INCLUDE list, so scoped name searches are index-only
-- scans; the creation-time, project and owner indexes INCLUDE the scope
-- columns for index-only scoped walks and counts.

ALTER TABLE customer_grams
    ADD COLUMN project_id BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN owner_id   BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
UPDATE customer_grams g SET project_id = COALESCE(c.project_id, 0), owner_id = COALESCE(c.owner_id, 0), created_at = c.created_at
    FROM customers c WHERE c.tenant_id = g.tenant_id AND c.id = g.customer_id;
ALTER TABLE customer_grams DROP CONSTRAINT customer_grams_pkey;
ALTER TABLE customer_grams ADD CONSTRAINT customer_grams_pkey PRIMARY KEY (tenant_id, gram, customer_id)
    INCLUDE (status, project_id, owner_id, created_at);

DROP INDEX customers_created;
CREATE INDEX customers_created ON customers (tenant_id, created_at, id) INCLUDE (project_id, status, owner_id);
DROP INDEX customers_project;
CREATE INDEX customers_project ON customers (tenant_id, project_id, created_at, id) INCLUDE (status, owner_id);
DROP INDEX customers_owner;
CREATE INDEX customers_owner   ON customers (tenant_id, owner_id, created_at, id) INCLUDE (project_id, status) WHERE owner_id IS NOT NULL;
