-- name_eq (postgres)
-- name eq ["张三"]
(c.name = $1)
-- args:
-- 1: string "张三"
