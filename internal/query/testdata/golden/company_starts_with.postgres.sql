-- company_starts_with (postgres)
-- company startsWith ["A"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $1 AND gram = $2) AND c.company_norm LIKE $3 ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "cg:a"
-- 3: string "a%"
