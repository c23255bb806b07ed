-- created_this_month (sqlite)
-- createdAt thisMonth []
(c.created_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1735660800000
-- 2: int64 1738339199999
