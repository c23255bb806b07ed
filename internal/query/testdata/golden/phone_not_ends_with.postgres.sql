-- phone_not_ends_with (postgres)
-- NOT(phone endsWith ["5678"])
NOT ((c.phone_rev IS NOT NULL AND c.phone_rev >= $1 AND c.phone_rev < $2))
-- args:
-- 1: string "8765"
-- 2: string "8766"
