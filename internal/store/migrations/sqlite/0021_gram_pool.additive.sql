-- A pool's customers by a name fragment as a seek (issue 16): "pool = P &&
-- name ~ 张" (a pool's list, and the pool branch of a 销售's visibility)
-- probed the token's range once per customer of the pool, 0.55–0.69 s for a
-- pool of 100,000 at a million customers. This index puts the pool before
-- the token, so the pool branch seeks (tenant, pool, gram) and reads only
-- the pool's token rows. Partial: only pooled customers' tokens are in it,
-- so it costs nothing for the customers outside any pool. It carries every
-- column the scope tests, so it answers without the table.
CREATE INDEX customer_grams_pool ON customer_grams (tenant_id, pool_id, gram, customer_id, status, project_id, created_at, owner_id)
    WHERE pool_id <> 0;
