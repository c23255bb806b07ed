-- pinyin_initials (sqlite)
-- pinyin startsWith ["ZS"]
c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram >= ? AND gram < ? UNION ALL SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram >= ? AND gram < ?)
-- args:
-- 1: int64 42
-- 2: string "p:zs"
-- 3: string "p:zt"
-- 4: int64 42
-- 5: string "i:zs"
-- 6: string "i:zt"
