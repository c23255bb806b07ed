-- custom_number_is_not_empty (sqlite)
-- f_number isNotEmpty []
NOT (c.id NOT IN (SELECT customer_id FROM customer_values_num WHERE tenant_id = ? AND field_id = ?))
-- args:
-- 1: int64 42
-- 2: int64 1007
