-- owner_is_empty (sqlite)
-- owner isEmpty []
c.owner_id IS NULL
-- args:
