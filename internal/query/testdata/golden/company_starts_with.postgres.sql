-- company_starts_with (postgres)
-- company startsWith ["A"]
(c.company_norm <> '' AND c.company_norm IN (SELECT value FROM value_grams WHERE tenant_id = $1 AND gram = $2) AND c.company_norm LIKE $3 ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "cg:a"
-- 3: string "a%"
