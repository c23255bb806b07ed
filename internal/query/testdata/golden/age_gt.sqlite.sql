-- age_gt (sqlite)
-- age gt ["30"]
(c.age <> 0 AND c.age > ?)
-- args:
-- 1: int64 30
