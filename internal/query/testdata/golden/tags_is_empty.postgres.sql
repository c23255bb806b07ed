-- tags_is_empty (postgres)
-- tags isEmpty []
c.id NOT IN (SELECT customer_id FROM customer_tags WHERE tenant_id = $1)
-- args:
-- 1: int64 42
