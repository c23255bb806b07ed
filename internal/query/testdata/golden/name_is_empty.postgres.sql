-- name_is_empty (postgres)
-- name isEmpty []
c.name = ''
-- args:
