-- tags_has_all (postgres)
-- tags hasAll ["VIP", "golf"]
(c.id IN (SELECT customer_id FROM customer_tags WHERE tenant_id = $1 AND tag_id IN ($2, $3)) AND c.id IN (SELECT customer_id FROM customer_tags WHERE tenant_id = $4 AND tag_id IN ($5)))
-- args:
-- 1: int64 42
-- 2: int64 501
-- 3: int64 502
-- 4: int64 42
-- 5: int64 503
