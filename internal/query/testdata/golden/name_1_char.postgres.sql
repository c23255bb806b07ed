-- name_1_char (postgres)
-- name contains ["张"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $1 AND gram = $2))
-- args:
-- 1: int64 42
-- 2: string "g:张"
