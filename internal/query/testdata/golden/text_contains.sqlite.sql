-- text_contains (sqlite)
-- remark contains ["vip"]
(c.remark LIKE ? ESCAPE '\')
-- args:
-- 1: string "%vip%"
