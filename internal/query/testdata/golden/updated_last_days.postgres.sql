-- updated_last_days (postgres)
-- updatedAt lastDays ["7"]
(c.updated_at BETWEEN $1 AND $2)
-- args:
-- 1: int64 1735228800000
-- 2: int64 1735833599999
