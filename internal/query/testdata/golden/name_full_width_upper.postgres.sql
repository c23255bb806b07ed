-- name_full_width_upper (postgres)
-- name contains ["ＴＯＭ"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $1 AND gram = $2 INTERSECT SELECT customer_id FROM customer_grams WHERE tenant_id = $3 AND gram = $4) AND c.name_norm LIKE $5 ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "g:om"
-- 3: int64 42
-- 4: string "g:to"
-- 5: string "%tom%"
