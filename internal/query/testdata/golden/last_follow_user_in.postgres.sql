-- last_follow_user_in (postgres)
-- lastFollowUser in ["7"]
(c.last_follow_user IS NOT NULL AND c.last_follow_user IN ($1))
-- args:
-- 1: int64 7
