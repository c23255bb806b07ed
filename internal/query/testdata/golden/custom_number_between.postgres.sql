-- custom_number_between (postgres)
-- f_number between ["-1.5", "1e6"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value BETWEEN $3 AND $4)
-- args:
-- 1: int64 42
-- 2: int64 1007
-- 3: float64 -1.5
-- 4: float64 1e+06
