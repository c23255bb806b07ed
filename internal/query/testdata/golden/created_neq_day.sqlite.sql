-- created_neq_day (sqlite)
-- createdAt neq ["2025-01-02"]
NOT ((c.created_at BETWEEN ? AND ?))
-- args:
-- 1: int64 1735747200000
-- 2: int64 1735833599999
