-- plan_custom_number_cursor_count (sqlite)
-- sort [{f_number true}], cursor [-1e+300 900], page 0, filter -
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = ?
-- args:
-- 1: int64 42
