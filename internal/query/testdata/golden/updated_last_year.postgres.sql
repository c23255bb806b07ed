-- updated_last_year (postgres)
-- updatedAt lastYear []
(c.updated_at BETWEEN $1 AND $2)
-- args:
-- 1: int64 1704038400000
-- 2: int64 1735660799999
