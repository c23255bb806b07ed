-- last_follow_before_day (postgres)
-- lastFollowAt lt ["2025-01-02"]
(c.last_follow_at <> 0 AND c.last_follow_at < $1)
-- args:
-- 1: int64 1735747200000
