-- age_between_fractions (postgres)
-- age between ["17.5", "60.5"]
(c.age <> 0 AND c.age BETWEEN $1 AND $2)
-- args:
-- 1: int64 18
-- 2: int64 60
