-- created_gt_ms (postgres)
-- createdAt gt ["1735776000000"]
(c.created_at > $1)
-- args:
-- 1: int64 1735776000000
