-- name_3_chars (sqlite)
-- name contains ["张三丰"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ? INTERSECT SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ?) AND c.name_norm LIKE ? ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "g:三丰"
-- 3: int64 42
-- 4: string "g:张三"
-- 5: string "%张三丰%"
