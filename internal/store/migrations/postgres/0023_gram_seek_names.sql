-- 公海 recycling (issue 16): see the SQLite migration of the same number.
-- The seek indexes hold name gram tokens only; the seeks say the range.
-- (gram is COLLATE "C": the range is byte order, as on SQLite.)
DROP INDEX customer_grams_owner;
CREATE INDEX customer_grams_owner ON customer_grams (tenant_id, owner_id, gram, customer_id)
    INCLUDE (status, project_id, created_at, pool_id) WHERE owner_id <> 0 AND gram >= 'g:' AND gram < 'g;';
DROP INDEX customer_grams_pool;
CREATE INDEX customer_grams_pool ON customer_grams (tenant_id, pool_id, gram, customer_id)
    INCLUDE (status, project_id, created_at, owner_id) WHERE pool_id <> 0 AND gram >= 'g:' AND gram < 'g;';
