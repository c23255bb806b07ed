-- age_lt_fraction (postgres)
-- age lt ["30.5"]
(c.age <> 0 AND c.age < $1)
-- args:
-- 1: int64 31
