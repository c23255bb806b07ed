-- custom_bool_eq (sqlite)
-- f_bool eq [true]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ? AND value = ?)
-- args:
-- 1: int64 42
-- 2: int64 1009
-- 3: float64 1
