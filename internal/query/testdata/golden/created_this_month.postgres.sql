-- created_this_month (postgres)
-- createdAt thisMonth []
(c.created_at BETWEEN $1 AND $2)
-- args:
-- 1: int64 1735660800000
-- 2: int64 1738339199999
