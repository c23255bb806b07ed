-- plan_custom_text_mixed_cursor_count (postgres)
-- sort [{f_text false} {1005 true} {f_text false}], cursor [金牌 2.0250102e+07 900], page 0, filter tags hasAll ["VIP"]
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = $1 AND (c.id IN (SELECT customer_id FROM customer_tags WHERE tenant_id = $2 AND tag_id IN ($3, $4)))
-- args:
-- 1: int64 42
-- 2: int64 42
-- 3: int64 501
-- 4: int64 502
