-- custom_email_eq (postgres)
-- f_email eq ["A@B.CN"]
c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = $1 AND field_id = $2 AND value = $3)
-- args:
-- 1: int64 42
-- 2: int64 1010
-- 3: string "a@b.cn"
