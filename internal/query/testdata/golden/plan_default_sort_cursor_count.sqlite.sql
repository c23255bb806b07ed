-- plan_default_sort_cursor_count (sqlite)
-- sort [], cursor [900], page 0, filter -
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = ?
-- args:
-- 1: int64 42
