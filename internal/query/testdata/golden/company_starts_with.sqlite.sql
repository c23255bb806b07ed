-- company_starts_with (sqlite)
-- company startsWith ["A"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ?) AND c.company_norm LIKE ? ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "cg:a"
-- 3: string "a%"
