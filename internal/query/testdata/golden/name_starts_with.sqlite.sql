-- name_starts_with (sqlite)
-- name startsWith ["欧阳"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ?) AND c.name_norm LIKE ? ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "g:欧阳"
-- 3: string "欧阳%"
