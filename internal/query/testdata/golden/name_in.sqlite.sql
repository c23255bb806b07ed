-- name_in (sqlite)
-- name in ["张三", "李四"]
(c.name IN (?, ?))
-- args:
-- 1: string "张三"
-- 2: string "李四"
