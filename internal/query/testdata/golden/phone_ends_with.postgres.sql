-- phone_ends_with (postgres)
-- phone endsWith ["56-78"]
(c.phone_rev IS NOT NULL AND c.phone_rev >= $1 AND c.phone_rev < $2)
-- args:
-- 1: string "8765"
-- 2: string "8766"
