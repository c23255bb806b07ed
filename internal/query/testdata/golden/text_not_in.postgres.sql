-- text_not_in (postgres)
-- country notIn ["CN", "US"]
NOT ((c.country IN ($1, $2)))
-- args:
-- 1: string "CN"
-- 2: string "US"
