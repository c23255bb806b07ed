-- phone_is_empty (postgres)
-- phone isEmpty []
(c.phone IS NULL OR c.phone = '')
-- args:
