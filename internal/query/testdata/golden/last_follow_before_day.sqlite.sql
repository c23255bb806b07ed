-- last_follow_before_day (sqlite)
-- lastFollowAt lt ["2025-01-02"]
(c.last_follow_at <> 0 AND c.last_follow_at < ?)
-- args:
-- 1: int64 1735747200000
