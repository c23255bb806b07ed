-- custom_date_eq (sqlite)
-- f_date eq ["2025-01-02"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ? AND value = ?)
-- args:
-- 1: int64 42
-- 2: int64 1005
-- 3: float64 2.0250102e+07
