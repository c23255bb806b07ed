-- created_eq_day (postgres)
-- createdAt eq ["2025-01-02"]
(c.created_at BETWEEN $1 AND $2)
-- args:
-- 1: int64 1735747200000
-- 2: int64 1735833599999
