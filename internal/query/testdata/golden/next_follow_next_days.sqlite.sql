-- next_follow_next_days (sqlite)
-- nextFollowAt nextDays ["3"]
(c.next_follow_at <> 0 AND c.next_follow_at BETWEEN ? AND ?)
-- args:
-- 1: int64 1735747200000
-- 2: int64 1736006399999
