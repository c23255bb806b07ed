-- custom_select_label (sqlite)
-- f_select eq ["It's"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ? AND value IN (?))
-- args:
-- 1: int64 42
-- 2: int64 1003
-- 3: float64 100303
