-- name_punctuation_only (postgres)
-- name contains ["-"]
(c.name_norm LIKE $1 ESCAPE '\')
-- args:
-- 1: string "%-%"
