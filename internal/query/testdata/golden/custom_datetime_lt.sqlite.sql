-- custom_datetime_lt (sqlite)
-- f_datetime lt ["2025-01-02T08:00:00Z"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ? AND value < ?)
-- args:
-- 1: int64 42
-- 2: int64 1006
-- 3: float64 1.7358048e+12
