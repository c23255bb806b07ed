-- phone_is_empty (sqlite)
-- phone isEmpty []
(c.phone IS NULL OR c.phone = '')
-- args:
