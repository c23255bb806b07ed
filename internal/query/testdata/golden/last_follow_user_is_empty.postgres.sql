-- last_follow_user_is_empty (postgres)
-- lastFollowUser isEmpty []
c.last_follow_user IS NULL
-- args:
