-- created_lte_day (postgres)
-- createdAt lte ["2025-01-02"]
(c.created_at <= $1)
-- args:
-- 1: int64 1735833599999
