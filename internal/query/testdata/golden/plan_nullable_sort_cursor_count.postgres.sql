-- plan_nullable_sort_cursor_count (postgres)
-- sort [{phone true} {owner false}], cursor [ 0 900], page 0, filter -
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = $1
-- args:
-- 1: int64 42
