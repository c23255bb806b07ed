-- custom_date_eq (postgres)
-- f_date eq ["2025-01-02"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value = $3)
-- args:
-- 1: int64 42
-- 2: int64 1005
-- 3: float64 2.0250102e+07
