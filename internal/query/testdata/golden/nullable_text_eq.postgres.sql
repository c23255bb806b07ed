-- nullable_text_eq (postgres)
-- idNumber eq ["11010519491231002X"]
(c.id_number IS NOT NULL AND c.id_number = $1)
-- args:
-- 1: string "11010519491231002X"
