-- created_between_days (postgres)
-- createdAt between ["2024-12-01", "2024-12-31"]
(c.created_at BETWEEN $1 AND $2)
-- args:
-- 1: int64 1732982400000
-- 2: int64 1735660799999
