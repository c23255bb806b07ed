-- pinyin_with_space (postgres)
-- pinyin eq ["zhang san"]
c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $1 AND gram >= $2 AND gram < $3 UNION ALL SELECT customer_id FROM customer_grams WHERE tenant_id = $4 AND gram >= $5 AND gram < $6)
-- args:
-- 1: int64 42
-- 2: string "p:zhangsan"
-- 3: string "p:zhangsao"
-- 4: int64 42
-- 5: string "i:zhangsan"
-- 6: string "i:zhangsao"
