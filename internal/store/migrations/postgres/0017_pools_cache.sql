-- Pools in the catalogue cache (issue 16): every staff request builds its
-- visibility from the tenant's pools, so they are cached per node with the
-- catalogue (store/catalogcache.go) and, like the departments they are
-- bound to, every write of the pools table moves the tenant's catalogue
-- version in the same transaction (0008).
CREATE TRIGGER pools_version AFTER INSERT OR UPDATE OR DELETE ON pools FOR EACH ROW EXECUTE FUNCTION kehu_bump_catalog_version();
