-- phone_not_ends_with (sqlite)
-- NOT(phone endsWith ["5678"])
NOT ((c.phone_rev IS NOT NULL AND c.phone_rev >= ? AND c.phone_rev < ?))
-- args:
-- 1: string "8765"
-- 2: string "8766"
