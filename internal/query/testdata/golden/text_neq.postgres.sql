-- text_neq (postgres)
-- city neq ["Beijing"]
NOT ((c.city = $1))
-- args:
-- 1: string "Beijing"
