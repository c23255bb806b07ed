-- custom_text_is_empty (postgres)
-- f_text isEmpty []
c.id NOT IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = $1 AND field_id = $2)
-- args:
-- 1: int64 42
-- 2: int64 1001
