-- collaborators_eq (sqlite)
-- collaborators eq ["7"]
c.id IN (SELECT customer_id FROM customer_collaborators WHERE tenant_id = ? AND staff_id IN (?))
-- args:
-- 1: int64 42
-- 2: int64 7
