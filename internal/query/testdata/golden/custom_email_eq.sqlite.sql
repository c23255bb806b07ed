-- custom_email_eq (sqlite)
-- f_email eq ["A@B.CN"]
c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = ? AND field_id = ? AND value = ?)
-- args:
-- 1: int64 42
-- 2: int64 1010
-- 3: string "a@b.cn"
