-- Data scopes as index seeks (issue 11): a 销售's or a 主管's name search
-- ("张" within their own customers, their department's, or those they
-- collaborate on) read the whole token range of the fragment and tested
-- the owner of every row: 74,000 rows at a million customers for the 370
-- a 销售 sees. This index puts the owner before the token, so an owner or
-- department scope seeks (tenant, owner, gram) for each of its staff and
-- reads only the rows it counts (internal/query/scope.go, gramSelect). It
-- carries every column the scope tests, so it answers without the table.
CREATE INDEX customer_grams_owner ON customer_grams (tenant_id, owner_id, gram, customer_id, status, project_id, created_at, pool_id);
