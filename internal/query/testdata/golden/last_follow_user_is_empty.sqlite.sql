-- last_follow_user_is_empty (sqlite)
-- lastFollowUser isEmpty []
c.last_follow_user IS NULL
-- args:
