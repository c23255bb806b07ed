-- created_lte_day (sqlite)
-- createdAt lte ["2025-01-02"]
(c.created_at <= ?)
-- args:
-- 1: int64 1735833599999
