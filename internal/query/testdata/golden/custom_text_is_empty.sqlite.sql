-- custom_text_is_empty (sqlite)
-- f_text isEmpty []
c.id NOT IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = ? AND field_id = ?)
-- args:
-- 1: int64 42
-- 2: int64 1001
