-- text_like_escape (postgres)
-- address contains ["50%_off\\"]
(c.address ILIKE $1 ESCAPE '\')
-- args:
-- 1: string "%50\\%\\_off\\\\%"
