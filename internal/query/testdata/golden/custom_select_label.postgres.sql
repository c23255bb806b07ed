-- custom_select_label (postgres)
-- f_select eq ["It's"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value IN ($3))
-- args:
-- 1: int64 42
-- 2: int64 1003
-- 3: float64 100303
