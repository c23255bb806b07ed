-- custom_date_gte (sqlite)
-- f_date gte ["2024-12-30"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ? AND value >= ?)
-- args:
-- 1: int64 42
-- 2: int64 1005
-- 3: float64 2.024123e+07
