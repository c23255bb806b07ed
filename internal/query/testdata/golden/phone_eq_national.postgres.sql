-- phone_eq_national (postgres)
-- phone eq ["138 1234 5678"]
(c.phone IS NOT NULL AND c.phone = $1)
-- args:
-- 1: string "+8613812345678"
