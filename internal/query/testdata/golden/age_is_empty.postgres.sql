-- age_is_empty (postgres)
-- age isEmpty []
c.age = 0
-- args:
