-- plan_page_3_count (postgres)
-- sort [], cursor [], page 3, filter status eq ["1"]
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = $1 AND (c.status IN ($2))
-- args:
-- 1: int64 42
-- 2: int64 1
