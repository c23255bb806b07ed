-- age_lt_fraction (sqlite)
-- age lt ["30.5"]
(c.age <> 0 AND c.age < ?)
-- args:
-- 1: int64 31
