-- text_ends_with (sqlite)
-- postalCode endsWith ["00"]
(c.postal_code LIKE ? ESCAPE '\')
-- args:
-- 1: string "%00"
