-- Scoped searches (issue 14): every 达实 page is scoped to a project, a
-- project-bound client of any API is scoped on every call, and staff see
-- their own customers or their department's (数据权限). Those conditions are
-- made index-backed here:
--
-- 1. customer_grams rows carry, besides the status, the customer's project
--    (0: none), owner (0: none) and creation time. "Name fragment + project
--    [+ owner/department] [+ status] [+ time range]" is then one range scan
--    of the token index — counted, paged and sorted newest-first without
--    reading a single customer — instead of looking up every customer whose
--    name has the fragment to test its project (1.5 s for 张 at 1M).
-- 2. The creation-time, project and owner indexes carry project, status and
--    owner, so a scoped newest-first walk checks the scope inside the index,
--    and scoped counts without a name are index-only range scans.

CREATE TABLE customer_grams_new (
    tenant_id   INTEGER NOT NULL,
    gram        TEXT    NOT NULL,
    customer_id INTEGER NOT NULL,
    status      INTEGER NOT NULL DEFAULT 1,
    project_id  INTEGER NOT NULL DEFAULT 0,
    owner_id    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, gram, customer_id)
) WITHOUT ROWID;
INSERT INTO customer_grams_new (tenant_id, gram, customer_id, status, project_id, owner_id, created_at)
    SELECT g.tenant_id, g.gram, g.customer_id, c.status, COALESCE(c.project_id, 0), COALESCE(c.owner_id, 0), c.created_at
    FROM customer_grams g JOIN customers c ON c.tenant_id = g.tenant_id AND c.id = g.customer_id
    ORDER BY g.tenant_id, g.gram, g.customer_id;
DROP TABLE customer_grams;
ALTER TABLE customer_grams_new RENAME TO customer_grams;

DROP INDEX customers_created;
CREATE INDEX customers_created ON customers (tenant_id, created_at, id, project_id, status, owner_id);
DROP INDEX customers_project;
CREATE INDEX customers_project ON customers (tenant_id, project_id, created_at, id, status, owner_id);
DROP INDEX customers_owner;
CREATE INDEX customers_owner   ON customers (tenant_id, owner_id, created_at, id, project_id, status) WHERE owner_id IS NOT NULL;
