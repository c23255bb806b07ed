-- collaborators_is_not_empty (postgres)
-- collaborators isNotEmpty []
NOT (c.id NOT IN (SELECT customer_id FROM customer_collaborators WHERE tenant_id = $1))
-- args:
-- 1: int64 42
