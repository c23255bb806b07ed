-- updated_this_year (postgres)
-- updatedAt thisYear []
(c.updated_at BETWEEN $1 AND $2)
-- args:
-- 1: int64 1735660800000
-- 2: int64 1767196799999
