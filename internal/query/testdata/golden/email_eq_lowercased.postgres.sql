-- email_eq_lowercased (postgres)
-- email eq [" Tom@Example.COM "]
(c.email IS NOT NULL AND c.email = $1)
-- args:
-- 1: string "tom@example.com"
