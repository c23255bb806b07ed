-- name_in (postgres)
-- name in ["张三", "李四"]
(c.name IN ($1, $2))
-- args:
-- 1: string "张三"
-- 2: string "李四"
