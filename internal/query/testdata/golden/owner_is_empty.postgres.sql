-- owner_is_empty (postgres)
-- owner isEmpty []
c.owner_id IS NULL
-- args:
