-- created_yesterday (sqlite)
-- createdAt yesterday []
(c.created_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1735660800000
-- 2: int64 1735747199999
