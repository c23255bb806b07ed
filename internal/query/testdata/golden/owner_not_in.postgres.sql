-- owner_not_in (postgres)
-- owner notIn ["7"]
NOT ((c.owner_id IS NOT NULL AND c.owner_id IN ($1)))
-- args:
-- 1: int64 7
