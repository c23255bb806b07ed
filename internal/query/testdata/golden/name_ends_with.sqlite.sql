-- name_ends_with (sqlite)
-- name endsWith ["明"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ?) AND c.name_norm LIKE ? ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "g:明"
-- 3: string "%明"
