-- email_contains (postgres)
-- email contains ["example"]
(c.email IS NOT NULL AND c.email ILIKE $1 ESCAPE '\')
-- args:
-- 1: string "%example%"
