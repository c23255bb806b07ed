-- age_in_mixed (postgres)
-- age in ["30", "30.5", "1e300"]
(c.age <> 0 AND c.age IN ($1))
-- args:
-- 1: int64 30
