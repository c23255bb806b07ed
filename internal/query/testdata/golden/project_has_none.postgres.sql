-- project_has_none (postgres)
-- projectId hasNone ["9"]
NOT ((c.project_id IS NOT NULL AND c.project_id IN ($1)))
-- args:
-- 1: int64 9
