-- name_ends_with (postgres)
-- name endsWith ["明"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $1 AND gram = $2) AND c.name_norm LIKE $3 ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "g:明"
-- 3: string "%明"
