-- updated_last_year (sqlite)
-- updatedAt lastYear []
(c.updated_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1704038400000
-- 2: int64 1735660799999
