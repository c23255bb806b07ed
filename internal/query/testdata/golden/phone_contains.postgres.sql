-- phone_contains (postgres)
-- phone contains ["1234"]
(c.phone IS NOT NULL AND c.phone ILIKE $1 ESCAPE '\')
-- args:
-- 1: string "%1234%"
