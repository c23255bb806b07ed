-- name_not_contains (sqlite)
-- name notContains ["张"]
NOT ((c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ?)))
-- args:
-- 1: int64 42
-- 2: string "g:张"
