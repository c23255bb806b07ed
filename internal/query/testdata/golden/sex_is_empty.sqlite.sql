-- sex_is_empty (sqlite)
-- sex isEmpty []
c.sex = 0
-- args:
