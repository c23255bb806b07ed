-- text_not_in (sqlite)
-- country notIn ["CN", "US"]
NOT ((c.country IN (?, ?)))
-- args:
-- 1: string "CN"
-- 2: string "US"
