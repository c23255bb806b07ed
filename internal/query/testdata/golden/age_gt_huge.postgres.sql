-- age_gt_huge (postgres)
-- age gt ["1e300"]
(c.age <> 0 AND c.age > $1)
-- args:
-- 1: int64 4611686018427387904
