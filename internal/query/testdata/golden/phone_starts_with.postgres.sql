-- phone_starts_with (postgres)
-- phone startsWith ["+86 138"]
(c.phone IS NOT NULL AND c.phone ILIKE $1 ESCAPE '\')
-- args:
-- 1: string "+86138%"
