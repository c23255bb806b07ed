-- phone_eq_national (sqlite)
-- phone eq ["138 1234 5678"]
(c.phone IS NOT NULL AND c.phone = ?)
-- args:
-- 1: string "+8613812345678"
