-- born_next_days (postgres)
-- bornDate nextDays ["3"]
(c.born_date <> 0 AND c.born_date BETWEEN $1 AND $2)
-- args:
-- 1: int64 1735747200000
-- 2: int64 1736006399999
