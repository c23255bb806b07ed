-- born_is_empty (sqlite)
-- bornDate isEmpty []
c.born_date = 0
-- args:
