-- custom_bool_neq (postgres)
-- f_bool neq ["false"]
NOT (c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value = $3))
-- args:
-- 1: int64 42
-- 2: int64 1009
-- 3: float64 0
