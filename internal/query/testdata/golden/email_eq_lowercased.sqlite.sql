-- email_eq_lowercased (sqlite)
-- email eq [" Tom@Example.COM "]
(c.email IS NOT NULL AND c.email = ?)
-- args:
-- 1: string "tom@example.com"
