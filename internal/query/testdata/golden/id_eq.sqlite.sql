-- id_eq (sqlite)
-- id eq ["123"]
(c.id IN (?))
-- args:
-- 1: int64 123
