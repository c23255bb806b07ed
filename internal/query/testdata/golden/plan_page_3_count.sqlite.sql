-- plan_page_3_count (sqlite)
-- sort [], cursor [], page 3, filter status eq ["1"]
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = ? AND (c.status IN (?))
-- args:
-- 1: int64 42
-- 2: int64 1
