-- age_gt_fraction (sqlite)
-- age gt ["29.5"]
(c.age <> 0 AND c.age > ?)
-- args:
-- 1: int64 29
