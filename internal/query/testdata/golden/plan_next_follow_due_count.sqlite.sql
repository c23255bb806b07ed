-- plan_next_follow_due_count (sqlite)
-- sort [{nextFollowAt false}], cursor [], page 0, filter (owner eq ["7"] AND nextFollowAt lte ["2025-01-02"])
SELECT COUNT(*) FROM customers c WHERE c.tenant_id = ? AND ((c.owner_id IS NOT NULL AND c.owner_id IN (?)) AND (c.next_follow_at <> 0 AND c.next_follow_at <= ?))
-- args:
-- 1: int64 42
-- 2: int64 7
-- 3: int64 1735833599999
