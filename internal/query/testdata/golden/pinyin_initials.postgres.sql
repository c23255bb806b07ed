-- pinyin_initials (postgres)
-- pinyin startsWith ["ZS"]
c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = $1 AND gram >= $2 AND gram < $3 UNION ALL SELECT customer_id FROM customer_grams WHERE tenant_id = $4 AND gram >= $5 AND gram < $6)
-- args:
-- 1: int64 42
-- 2: string "p:zs"
-- 3: string "p:zt"
-- 4: int64 42
-- 5: string "i:zs"
-- 6: string "i:zt"
