-- text_ends_with (postgres)
-- postalCode endsWith ["00"]
(c.postal_code ILIKE $1 ESCAPE '\')
-- args:
-- 1: string "%00"
