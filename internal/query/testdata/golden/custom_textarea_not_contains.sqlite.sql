-- custom_textarea_not_contains (sqlite)
-- f_textarea notContains ["x"]
NOT (c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = ? AND field_id = ? AND value LIKE ? ESCAPE '\'))
-- args:
-- 1: int64 42
-- 2: int64 1002
-- 3: string "%x%"
