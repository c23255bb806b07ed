-- text_eq (postgres)
-- address eq ["北京市 朝阳区"]
(c.address = $1)
-- args:
-- 1: string "北京市 朝阳区"
