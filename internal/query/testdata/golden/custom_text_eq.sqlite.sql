-- custom_text_eq (sqlite)
-- f_text eq ["金牌客户"]
c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = ? AND field_id = ? AND value = ?)
-- args:
-- 1: int64 42
-- 2: int64 1001
-- 3: string "金牌客户"
