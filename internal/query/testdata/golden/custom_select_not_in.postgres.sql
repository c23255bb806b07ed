-- custom_select_not_in (postgres)
-- f_select notIn ["100301", "银牌"]
NOT (c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value IN ($3, $4)))
-- args:
-- 1: int64 42
-- 2: int64 1003
-- 3: float64 100301
-- 4: float64 100302
