-- nullable_text_is_empty (postgres)
-- idNumber isEmpty []
(c.id_number IS NULL OR c.id_number = '')
-- args:
