-- Data scopes as index seeks (issue 11): see the SQLite migration of the
-- same number. The owner comes before the token, and the scope columns are
-- carried so the seek is index-only.
CREATE INDEX customer_grams_owner ON customer_grams (tenant_id, owner_id, gram, customer_id)
    INCLUDE (status, project_id, created_at, pool_id);
