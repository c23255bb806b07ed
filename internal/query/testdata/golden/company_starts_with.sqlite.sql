-- company_starts_with (sqlite)
-- company startsWith ["A"]
(c.company_norm <> '' AND c.company_norm IN (SELECT value FROM value_grams WHERE tenant_id = ? AND gram = ?) AND c.company_norm LIKE ? ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: string "cg:a"
-- 3: string "a%"
