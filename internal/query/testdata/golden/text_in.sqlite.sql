-- text_in (sqlite)
-- city in ["Beijing", "上海"]
(c.city IN (?, ?))
-- args:
-- 1: string "Beijing"
-- 2: string "上海"
