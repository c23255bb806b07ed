-- collaborators_eq (postgres)
-- collaborators eq ["7"]
c.id IN (SELECT customer_id FROM customer_collaborators WHERE tenant_id = $1 AND staff_id IN ($2))
-- args:
-- 1: int64 42
-- 2: int64 7
