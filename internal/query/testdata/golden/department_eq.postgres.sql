-- department_eq (postgres)
-- department eq ["301"]
(c.owner_id IS NOT NULL AND c.owner_id IN (SELECT s.id FROM staff s JOIN departments d ON d.tenant_id = s.tenant_id AND d.id = s.department_id WHERE s.tenant_id = $1 AND ((d.path >= (SELECT path FROM departments WHERE tenant_id = $2 AND id = $3) AND d.path < (SELECT path || '~' FROM departments WHERE tenant_id = $4 AND id = $5)))))
-- args:
-- 1: int64 42
-- 2: int64 42
-- 3: int64 301
-- 4: int64 42
-- 5: int64 301
