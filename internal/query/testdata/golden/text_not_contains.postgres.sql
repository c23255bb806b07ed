-- text_not_contains (postgres)
-- remark notContains ["vip"]
NOT ((c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $1 AND gram = $2 INTERSECT SELECT customer_id FROM customer_grams WHERE tenant_id = $3 AND gram = $4) AND (c.remark ILIKE $5 ESCAPE '\')))
-- args:
-- 1: int64 42
-- 2: string "rg:ip"
-- 3: int64 42
-- 4: string "rg:vi"
-- 5: string "%vip%"
