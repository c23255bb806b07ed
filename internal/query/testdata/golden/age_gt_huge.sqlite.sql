-- age_gt_huge (sqlite)
-- age gt ["1e300"]
(c.age <> 0 AND c.age > ?)
-- args:
-- 1: int64 4611686018427387904
