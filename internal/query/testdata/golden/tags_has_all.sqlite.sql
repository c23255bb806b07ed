-- tags_has_all (sqlite)
-- tags hasAll ["VIP", "golf"]
(c.id IN (SELECT customer_id FROM customer_tags WHERE tenant_id = ? AND tag_id IN (?, ?)) AND c.id IN (SELECT customer_id FROM customer_tags WHERE tenant_id = ? AND tag_id IN (?)))
-- args:
-- 1: int64 42
-- 2: int64 501
-- 3: int64 502
-- 4: int64 42
-- 5: int64 503
