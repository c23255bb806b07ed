-- phone_ends_with (sqlite)
-- phone endsWith ["56-78"]
(c.phone_rev IS NOT NULL AND c.phone_rev >= ? AND c.phone_rev < ?)
-- args:
-- 1: string "8765"
-- 2: string "8766"
