-- custom_multi_has_any (postgres)
-- f_multi in ["red", "blue"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value IN ($3, $4))
-- args:
-- 1: int64 42
-- 2: int64 1004
-- 3: float64 100401
-- 4: float64 100403
