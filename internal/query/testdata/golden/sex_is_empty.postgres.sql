-- sex_is_empty (postgres)
-- sex isEmpty []
c.sex = 0
-- args:
