-- phone_in (sqlite)
-- phone in ["+8613812345678", "13912345678"]
(c.phone IS NOT NULL AND c.phone IN (?, ?))
-- args:
-- 1: string "+8613812345678"
-- 2: string "+8613912345678"
