-- status_is_empty (sqlite)
-- status isEmpty []
1 = 0
-- args:
