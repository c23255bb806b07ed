-- custom_multi_has_all (postgres)
-- f_multi hasAll ["red", "blue", "red"]
c.id IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2 AND value IN ($3, $4, $5) GROUP BY customer_id HAVING COUNT(DISTINCT value) = $6)
-- args:
-- 1: int64 42
-- 2: int64 1004
-- 3: float64 100401
-- 4: float64 100403
-- 5: float64 100401
-- 6: int64 2
