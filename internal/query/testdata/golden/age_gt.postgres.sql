-- age_gt (postgres)
-- age gt ["30"]
(c.age <> 0 AND c.age > $1)
-- args:
-- 1: int64 30
