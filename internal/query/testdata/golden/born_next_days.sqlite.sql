-- born_next_days (sqlite)
-- bornDate nextDays ["3"]
(c.born_date <> 0 AND c.born_date BETWEEN ? AND ?)
-- args:
-- 1: int64 1735747200000
-- 2: int64 1736006399999
