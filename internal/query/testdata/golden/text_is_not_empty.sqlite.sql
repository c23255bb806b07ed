-- text_is_not_empty (sqlite)
-- remark isNotEmpty []
NOT (c.remark = '')
-- args:
