-- email_contains (sqlite)
-- email contains ["example"]
(c.email IS NOT NULL AND c.email LIKE ? ESCAPE '\')
-- args:
-- 1: string "%example%"
