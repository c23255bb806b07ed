-- custom_multi_has_all (sqlite)
-- f_multi hasAll ["red", "blue", "red"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ? AND value IN (?, ?, ?) GROUP BY customer_id HAVING COUNT(DISTINCT value) = ?)
-- args:
-- 1: int64 42
-- 2: int64 1004
-- 3: float64 100401
-- 4: float64 100403
-- 5: float64 100401
-- 6: int64 2
