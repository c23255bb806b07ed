-- created_gte_datetime (postgres)
-- createdAt gte ["2025-01-02 08:00:00"]
(c.created_at >= $1)
-- args:
-- 1: int64 1735776000000
