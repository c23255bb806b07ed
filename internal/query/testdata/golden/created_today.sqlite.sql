-- created_today (sqlite)
-- createdAt today []
(c.created_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1735747200000
-- 2: int64 1735833599999
