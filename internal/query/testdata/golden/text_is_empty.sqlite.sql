-- text_is_empty (sqlite)
-- remark isEmpty []
c.remark = ''
-- args:
