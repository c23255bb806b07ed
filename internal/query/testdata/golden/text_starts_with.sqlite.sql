-- text_starts_with (sqlite)
-- street startsWith ["No."]
(c.street LIKE ? ESCAPE '\')
-- args:
-- 1: string "No.%"
