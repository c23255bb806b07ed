-- collaborator_department_in (sqlite)
-- collaboratorDepartment in ["301"]
c.id IN (SELECT cc.customer_id FROM customer_collaborators cc WHERE cc.tenant_id = ? AND cc.staff_id IN (SELECT s.id FROM staff s JOIN departments d ON d.tenant_id = s.tenant_id AND d.id = s.department_id WHERE s.tenant_id = ? AND ((d.path >= (SELECT path FROM departments WHERE tenant_id = ? AND id = ?) AND d.path < (SELECT path || '~' FROM departments WHERE tenant_id = ? AND id = ?)))))
-- args:
-- 1: int64 42
-- 2: int64 42
-- 3: int64 42
-- 4: int64 301
-- 5: int64 42
-- 6: int64 301
