-- text_contains (sqlite)
-- remark contains ["vip"]
(c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ? INTERSECT SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram = ?) AND (c.remark LIKE ? ESCAPE '\'))
-- args:
-- 1: int64 42
-- 2: string "rg:ip"
-- 3: int64 42
-- 4: string "rg:vi"
-- 5: string "%vip%"
