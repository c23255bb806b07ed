-- sex_in (sqlite)
-- sex in ["0", "2"]
(c.sex IN (?, ?))
-- args:
-- 1: int64 0
-- 2: int64 2
