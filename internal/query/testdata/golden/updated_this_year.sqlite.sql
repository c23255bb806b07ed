-- updated_this_year (sqlite)
-- updatedAt thisYear []
(c.updated_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1735660800000
-- 2: int64 1767196799999
