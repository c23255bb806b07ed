-- name_punctuation_only (sqlite)
-- name contains ["-"]
(c.name_norm LIKE ? ESCAPE '\')
-- args:
-- 1: string "%-%"
