-- 公海 recycling (issue 16): customer_grams_owner (0019) holds only the
-- token rows of owned customers. Its seeks are for owner and department
-- sets (staff ids, never 0) and say "owner_id <> 0" to use it
-- (internal/query/scope.go, gramSelect); the rows of customers nobody owns
-- (pool customers among them) were never sought there. Recycling a
-- customer to its pool then deletes its ~9 entries from the index instead
-- of also inserting each into the owner-0 part of it, and a claim only
-- inserts them.
DROP INDEX customer_grams_owner;
CREATE INDEX customer_grams_owner ON customer_grams (tenant_id, owner_id, gram, customer_id, status, project_id, created_at, pool_id)
    WHERE owner_id <> 0;
