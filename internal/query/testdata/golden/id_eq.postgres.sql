-- id_eq (postgres)
-- id eq ["123"]
(c.id IN ($1))
-- args:
-- 1: int64 123
