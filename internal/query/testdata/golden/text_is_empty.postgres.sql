-- text_is_empty (postgres)
-- remark isEmpty []
c.remark = ''
-- args:
