-- text_not_contains (sqlite)
-- remark notContains ["vip"]
NOT ((c.remark LIKE ? ESCAPE '\'))
-- args:
-- 1: string "%vip%"
