-- created_gte_datetime (sqlite)
-- createdAt gte ["2025-01-02 08:00:00"]
(c.created_at >= ?)
-- args:
-- 1: int64 1735776000000
