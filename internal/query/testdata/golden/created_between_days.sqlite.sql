-- created_between_days (sqlite)
-- createdAt between ["2024-12-01", "2024-12-31"]
(c.created_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1732982400000
-- 2: int64 1735660799999
