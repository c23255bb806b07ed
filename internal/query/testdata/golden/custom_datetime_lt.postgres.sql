-- custom_datetime_lt (postgres)
-- f_datetime lt ["2025-01-02T08:00:00Z"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value < $3)
-- args:
-- 1: int64 42
-- 2: int64 1006
-- 3: float64 1.7358048e+12
