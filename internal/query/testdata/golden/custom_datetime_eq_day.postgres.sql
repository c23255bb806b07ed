-- custom_datetime_eq_day (postgres)
-- f_datetime eq ["2025-01-02"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value BETWEEN $3 AND $4)
-- args:
-- 1: int64 42
-- 2: int64 1006
-- 3: float64 1.7357472e+12
-- 4: float64 1.735833599999e+12
