-- stage_by_name (postgres)
-- stage eq ["报价"]
(c.stage_id IS NOT NULL AND c.stage_id IN ($1))
-- args:
-- 1: int64 601
