-- tags_is_empty (sqlite)
-- tags isEmpty []
c.id NOT IN (SELECT customer_id FROM customer_tags WHERE tenant_id = ?)
-- args:
-- 1: int64 42
