-- custom_datetime_eq_day (sqlite)
-- f_datetime eq ["2025-01-02"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ? AND value BETWEEN ? AND ?)
-- args:
-- 1: int64 42
-- 2: int64 1006
-- 3: float64 1.7357472e+12
-- 4: float64 1.735833599999e+12
