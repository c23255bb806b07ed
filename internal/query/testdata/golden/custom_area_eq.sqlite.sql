-- custom_area_eq (sqlite)
-- f_area eq ["110101"]
c.id IN (SELECT customer_id FROM customer_values_text WHERE tenant_id = ? AND field_id = ? AND value = ?)
-- args:
-- 1: int64 42
-- 2: int64 1011
-- 3: string "110101"
