-- updated_last_days (sqlite)
-- updatedAt lastDays ["7"]
(c.updated_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1735228800000
-- 2: int64 1735833599999
