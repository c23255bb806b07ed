-- age_neq (sqlite)
-- age neq ["30"]
NOT ((c.age <> 0 AND c.age = ?))
-- args:
-- 1: int64 30
