-- age_between_fractions (sqlite)
-- age between ["17.5", "60.5"]
(c.age <> 0 AND c.age BETWEEN ? AND ?)
-- args:
-- 1: int64 18
-- 2: int64 60
