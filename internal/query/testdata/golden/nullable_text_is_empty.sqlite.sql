-- nullable_text_is_empty (sqlite)
-- idNumber isEmpty []
(c.id_number IS NULL OR c.id_number = '')
-- args:
