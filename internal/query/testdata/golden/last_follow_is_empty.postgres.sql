-- last_follow_is_empty (postgres)
-- lastFollowAt isEmpty []
c.last_follow_at = 0
-- args:
