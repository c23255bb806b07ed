-- created_this_week (sqlite)
-- createdAt thisWeek []
(c.created_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1735488000000
-- 2: int64 1736092799999
