-- tags_has_none (sqlite)
-- tags hasNone ["VIP"]
NOT (c.id IN (SELECT customer_id FROM customer_tags WHERE tenant_id = ? AND tag_id IN (?, ?)))
-- args:
-- 1: int64 42
-- 2: int64 501
-- 3: int64 502
