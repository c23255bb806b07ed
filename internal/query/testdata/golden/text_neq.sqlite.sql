-- text_neq (sqlite)
-- city neq ["Beijing"]
NOT ((c.city = ?))
-- args:
-- 1: string "Beijing"
