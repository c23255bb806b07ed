-- custom_text_by_id (sqlite)
-- 1001 contains ["VIP"]
c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = ? AND field_id = ? AND value LIKE ? ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: int64 1001
-- 3: string "%VIP%"
