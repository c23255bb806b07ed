-- custom_number_in (sqlite)
-- f_number in ["1", "2.5"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ? AND value IN (?, ?))
-- args:
-- 1: int64 42
-- 2: int64 1007
-- 3: float64 1
-- 4: float64 2.5
