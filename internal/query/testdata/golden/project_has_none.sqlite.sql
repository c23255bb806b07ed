-- project_has_none (sqlite)
-- projectId hasNone ["9"]
NOT ((c.project_id IS NOT NULL AND c.project_id IN (?)))
-- args:
-- 1: int64 9
