-- status_eq (sqlite)
-- status eq ["1"]
(c.status IN (?))
-- args:
-- 1: int64 1
