-- text_not_contains (postgres)
-- remark notContains ["vip"]
NOT ((c.remark ILIKE $1 ESCAPE '\'))
-- args:
-- 1: string "%vip%"
