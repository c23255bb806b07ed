-- name_eq (sqlite)
-- name eq ["张三"]
(c.name = ?)
-- args:
-- 1: string "张三"
