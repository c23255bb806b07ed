-- pinyin_full (sqlite)
-- pinyin contains ["zhang"]
c.id IN (SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram >= ? AND gram < ? UNION ALL SELECT customer_id FROM customer_grams WHERE tenant_id = ? AND gram >= ? AND gram < ?)
-- args:
-- 1: int64 42
-- 2: string "p:zhang"
-- 3: string "p:zhanh"
-- 4: int64 42
-- 5: string "i:zhang"
-- 6: string "i:zhanh"
