-- nullable_text_neq (postgres)
-- externalId neq ["EXT-1"]
NOT ((c.external_id IS NOT NULL AND c.external_id = $1))
-- args:
-- 1: string "EXT-1"
