-- plan_last_follow_owner_cursor_count (postgres)
-- sort [{lastFollowAt true}], cursor [1735776000000 900], page 0, filter owner eq ["7"]
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = $1 AND (c.owner_id IS NOT NULL AND c.owner_id IN ($2))
-- args:
-- 1: int64 42
-- 2: int64 7
