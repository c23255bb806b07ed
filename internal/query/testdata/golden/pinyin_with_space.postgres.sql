-- pinyin_with_space (postgres)
-- pinyin eq ["zhang san"]
c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $1 AND ((gram >= $2 AND gram < $3) OR (gram >= $4 AND gram < $5)))
-- args:
-- 1: int64 42
-- 2: string "p:zhangsan"
-- 3: string "p:zhangsao"
-- 4: string "i:zhangsan"
-- 5: string "i:zhangsao"
