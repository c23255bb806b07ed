-- name_is_empty (sqlite)
-- name isEmpty []
c.name = ''
-- args:
