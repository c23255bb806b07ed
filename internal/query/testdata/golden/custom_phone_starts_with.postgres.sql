-- custom_phone_starts_with (postgres)
-- f_phone startsWith ["86"]
c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = $1 AND field_id = $2 AND value ILIKE $3 ESCAPE '\')
-- args:
-- 1: int64 42
-- 2: int64 1008
-- 3: string "+86%"
