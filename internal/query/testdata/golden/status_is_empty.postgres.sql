-- status_is_empty (postgres)
-- status isEmpty []
1 = 0
-- args:
