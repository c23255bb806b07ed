-- age_neq (postgres)
-- age neq ["30"]
NOT ((c.age <> 0 AND c.age = $1))
-- args:
-- 1: int64 30
