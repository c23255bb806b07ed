-- age_gt_fraction (postgres)
-- age gt ["29.5"]
(c.age <> 0 AND c.age > $1)
-- args:
-- 1: int64 29
