-- owner_not_in (sqlite)
-- owner notIn ["7"]
NOT ((c.owner_id IS NOT NULL AND c.owner_id IN (?)))
-- args:
-- 1: int64 7
