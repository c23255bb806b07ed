-- text_contains (postgres)
-- remark contains ["vip"]
(c.remark ILIKE $1 ESCAPE '\')
-- args:
-- 1: string "%vip%"
