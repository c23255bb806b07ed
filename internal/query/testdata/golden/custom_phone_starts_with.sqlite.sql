-- custom_phone_starts_with (sqlite)
-- f_phone startsWith ["86"]
(c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = ? AND field_id = ? AND value LIKE ? ESCAPE '\') OR c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = ? AND field_id = ? AND value LIKE ? ESCAPE '\'))
-- args:
-- 1: int64 42
-- 2: int64 1008
-- 3: string "+86%"
-- 4: int64 42
-- 5: int64 1008
-- 6: string "+8686%"
