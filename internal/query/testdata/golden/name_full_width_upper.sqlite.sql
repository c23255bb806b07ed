-- name_full_width_upper (sqlite)
-- name contains ["ＴＯＭ"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ? INTERSECT SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ?) AND c.name_norm LIKE ? ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "g:om"
-- 3: int64 42
-- 4: string "g:to"
-- 5: string "%tom%"
