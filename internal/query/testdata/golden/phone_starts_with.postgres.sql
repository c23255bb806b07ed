-- phone_starts_with (postgres)
-- phone startsWith ["+86 138"]
((c.phone IS NOT NULL AND c.phone ILIKE $1 ESCAPE '\') OR (c.phone IS NOT NULL AND c.phone ILIKE $2 ESCAPE '\'))
-- args:
-- 1: string "+86138%"
-- 2: string "+8686138%"
