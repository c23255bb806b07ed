-- created_today (postgres)
-- createdAt today []
(c.created_at BETWEEN $1 AND $2)
-- args:
-- 1: int64 1735747200000
-- 2: int64 1735833599999
