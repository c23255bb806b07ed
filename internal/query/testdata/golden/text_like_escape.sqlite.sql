-- text_like_escape (sqlite)
-- address contains ["50%_off\\"]
(c.address LIKE ? ESCAPE '\')
-- args:
-- 1: string "%50\\%\\_off\\\\%"
