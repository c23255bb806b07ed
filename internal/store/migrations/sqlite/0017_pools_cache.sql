-- Pools in the catalogue cache (issue 16): every staff request builds its
-- visibility from the tenant's pools, so they are cached per node with the
-- catalogue (store/catalogcache.go) and, like the departments they are
-- bound to, every write of the pools table moves the tenant's catalogue
-- version in the same transaction (0008).
CREATE TRIGGER pools_version_insert AFTER INSERT ON pools BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER pools_version_update AFTER UPDATE ON pools BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER pools_version_delete AFTER DELETE ON pools BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
