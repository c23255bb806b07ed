-- created_last_month (sqlite)
-- createdAt lastMonth []
(c.created_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1732982400000
-- 2: int64 1735660799999
