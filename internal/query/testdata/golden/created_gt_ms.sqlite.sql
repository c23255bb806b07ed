-- created_gt_ms (sqlite)
-- createdAt gt ["1735776000000"]
(c.created_at > ?)
-- args:
-- 1: int64 1735776000000
