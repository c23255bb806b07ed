-- stage_by_name (sqlite)
-- stage eq ["报价"]
(c.stage_id IS NOT NULL AND c.stage_id IN (?))
-- args:
-- 1: int64 601
