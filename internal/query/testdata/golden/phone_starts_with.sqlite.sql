-- phone_starts_with (sqlite)
-- phone startsWith ["+86 138"]
((c.phone IS NOT NULL AND c.phone LIKE ? ESCAPE '\') OR (c.phone IS NOT NULL AND c.phone LIKE ? ESCAPE '\'))
-- args:
-- 1: string "+86138%"
-- 2: string "+8686138%"
