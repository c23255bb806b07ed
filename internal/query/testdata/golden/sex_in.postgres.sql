-- sex_in (postgres)
-- sex in ["0", "2"]
(c.sex IN ($1, $2))
-- args:
-- 1: int64 0
-- 2: int64 2
