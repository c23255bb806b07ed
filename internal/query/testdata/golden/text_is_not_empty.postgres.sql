-- text_is_not_empty (postgres)
-- remark isNotEmpty []
NOT (c.remark = '')
-- args:
