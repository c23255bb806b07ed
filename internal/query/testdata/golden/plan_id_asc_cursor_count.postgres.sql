-- plan_id_asc_cursor_count (postgres)
-- sort [{id false} {name false}], cursor [900], page 0, filter -
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = $1
-- args:
-- 1: int64 42
