-- owner_in (sqlite)
-- owner in ["7", "8"]
(c.owner_id IS NOT NULL AND c.owner_id IN (?, ?))
-- args:
-- 1: int64 7
-- 2: int64 8
