-- name_starts_with (postgres)
-- name startsWith ["欧阳"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $1 AND gram = $2) AND c.name_norm LIKE $3 ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "g:欧阳"
-- 3: string "欧阳%"
