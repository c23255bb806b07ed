-- custom_number_is_not_empty (postgres)
-- f_number isNotEmpty []
NOT (c.id NOT IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = $1 AND field_id = $2))
-- args:
-- 1: int64 42
-- 2: int64 1007
