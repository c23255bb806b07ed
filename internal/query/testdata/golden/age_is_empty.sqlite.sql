-- age_is_empty (sqlite)
-- age isEmpty []
c.age = 0
-- args:
