-- custom_phone_starts_with (postgres)
-- f_phone startsWith ["86"]
(c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = $1 AND field_id = $2 AND value ILIKE $3 ESCAPE '\') OR c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = $4 AND field_id = $5 AND value ILIKE $6 ESCAPE '\'))
-- args:
-- 1: int64 42
-- 2: int64 1008
-- 3: string "+86%"
-- 4: int64 42
-- 5: int64 1008
-- 6: string "+8686%"
