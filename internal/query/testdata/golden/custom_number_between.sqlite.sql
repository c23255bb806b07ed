-- custom_number_between (sqlite)
-- f_number between ["-1.5", "1e6"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ? AND value BETWEEN ? AND ?)
-- args:
-- 1: int64 42
-- 2: int64 1007
-- 3: float64 -1.5
-- 4: float64 1e+06
