-- 公海 recycling (issue 16): see the SQLite migration of the same number.
-- Only the token rows of owned customers; owner seeks say "owner_id <> 0".
DROP INDEX customer_grams_owner;
CREATE INDEX customer_grams_owner ON customer_grams (tenant_id, owner_id, gram, customer_id)
    INCLUDE (status, project_id, created_at, pool_id) WHERE owner_id <> 0;
