-- A tenant's request budget per API client, in requests per second across
-- all kehu nodes; 0: the server's default (kehu serve --rate-client).
ALTER TABLE tenants ADD COLUMN rate_limit INTEGER NOT NULL DEFAULT 0;
