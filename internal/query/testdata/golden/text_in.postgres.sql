-- text_in (postgres)
-- city in ["Beijing", "上海"]
(c.city IN ($1, $2))
-- args:
-- 1: string "Beijing"
-- 2: string "上海"
