-- plan_name_created_desc_cursor_count (postgres)
-- sort [{name false} {createdAt true}], cursor [张三 1735776000000 900], page 0, filter name contains ["张"]
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = $1 AND (c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $2 AND gram = $3))
-- args:
-- 1: int64 42
-- 2: int64 42
-- 3: string "g:张"
