-- text_starts_with (postgres)
-- street startsWith ["No."]
(c.street ILIKE $1 ESCAPE '\')
-- args:
-- 1: string "No.%"
