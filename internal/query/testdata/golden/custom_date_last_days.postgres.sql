-- custom_date_last_days (postgres)
-- f_date lastDays ["30"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value BETWEEN $3 AND $4)
-- args:
-- 1: int64 42
-- 2: int64 1005
-- 3: float64 2.0241204e+07
-- 4: float64 2.0250102e+07
