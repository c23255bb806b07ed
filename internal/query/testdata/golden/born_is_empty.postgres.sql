-- born_is_empty (postgres)
-- bornDate isEmpty []
c.born_date = 0
-- args:
