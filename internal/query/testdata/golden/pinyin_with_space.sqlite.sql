-- pinyin_with_space (sqlite)
-- pinyin eq ["zhang san"]
c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram >= ? AND gram < ? UNION ALL SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram >= ? AND gram < ?)
-- args:
-- 1: int64 42
-- 2: string "p:zhangsan"
-- 3: string "p:zhangsao"
-- 4: int64 42
-- 5: string "i:zhangsan"
-- 6: string "i:zhangsao"
