-- nullable_text_eq (sqlite)
-- idNumber eq ["11010519491231002X"]
(c.id_number IS NOT NULL AND c.id_number = ?)
-- args:
-- 1: string "11010519491231002X"
