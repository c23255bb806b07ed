-- nullable_text_neq (sqlite)
-- externalId neq ["EXT-1"]
NOT ((c.external_id IS NOT NULL AND c.external_id = ?))
-- args:
-- 1: string "EXT-1"
