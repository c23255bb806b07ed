-- created_this_week (postgres)
-- createdAt thisWeek []
(c.created_at BETWEEN $1 AND $2)
-- args:
-- 1: int64 1735488000000
-- 2: int64 1736092799999
