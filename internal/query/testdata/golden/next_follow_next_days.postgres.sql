-- next_follow_next_days (postgres)
-- nextFollowAt nextDays ["3"]
(c.next_follow_at <> 0 AND c.next_follow_at BETWEEN $1 AND $2)
-- args:
-- 1: int64 1735747200000
-- 2: int64 1736006399999
