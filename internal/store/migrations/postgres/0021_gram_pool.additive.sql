-- A pool's customers by a name fragment as a seek (issue 16): see the
-- SQLite migration of the same number. Partial (pooled customers' tokens
-- only); the scope columns are carried so the seek is index-only.
CREATE INDEX customer_grams_pool ON customer_grams (tenant_id, pool_id, gram, customer_id)
    INCLUDE (status, project_id, created_at, owner_id) WHERE pool_id <> 0;
