-- status_eq (postgres)
-- status eq ["1"]
(c.status IN ($1))
-- args:
-- 1: int64 1
