-- phone_contains (sqlite)
-- phone contains ["1234"]
(c.phone IS NOT NULL AND c.phone LIKE ? ESCAPE '\')
-- args:
-- 1: string "%1234%"
