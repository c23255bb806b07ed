-- text_eq (sqlite)
-- address eq ["北京市 朝阳区"]
(c.address = ?)
-- args:
-- 1: string "北京市 朝阳区"
