-- Cache versions (issue 14): a node caches each tenant's catalogue (custom
-- fields and options, unique settings, tags, stages, departments, staff) and
-- its API clients, and checks one row per request instead of reloading them:
-- every write of those tables, through any path of any node, moves the
-- tenant's version in the same transaction (triggers, so no writer can
-- forget it), and a cache entry is used only while its version is current.

CREATE TABLE cache_versions (
    tenant_id INTEGER NOT NULL PRIMARY KEY,
    catalog   INTEGER NOT NULL DEFAULT 0,
    clients   INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER fields_version_insert AFTER INSERT ON fields BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER fields_version_update AFTER UPDATE ON fields BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER fields_version_delete AFTER DELETE ON fields BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER field_options_version_insert AFTER INSERT ON field_options BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER field_options_version_update AFTER UPDATE ON field_options BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER field_options_version_delete AFTER DELETE ON field_options BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER system_field_settings_version_insert AFTER INSERT ON system_field_settings BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER system_field_settings_version_update AFTER UPDATE ON system_field_settings BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER system_field_settings_version_delete AFTER DELETE ON system_field_settings BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER tag_groups_version_insert AFTER INSERT ON tag_groups BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER tag_groups_version_update AFTER UPDATE ON tag_groups BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER tag_groups_version_delete AFTER DELETE ON tag_groups BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER tags_version_insert AFTER INSERT ON tags BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER tags_version_update AFTER UPDATE ON tags BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER tags_version_delete AFTER DELETE ON tags BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER stages_version_insert AFTER INSERT ON stages BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER stages_version_update AFTER UPDATE ON stages BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER stages_version_delete AFTER DELETE ON stages BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER departments_version_insert AFTER INSERT ON departments BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER departments_version_update AFTER UPDATE ON departments BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER departments_version_delete AFTER DELETE ON departments BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER staff_version_insert AFTER INSERT ON staff BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER staff_version_update AFTER UPDATE ON staff BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER staff_version_delete AFTER DELETE ON staff BEGIN
    INSERT INTO cache_versions (tenant_id, catalog) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = catalog + 1;
END;
CREATE TRIGGER api_clients_version_insert AFTER INSERT ON api_clients BEGIN
    INSERT INTO cache_versions (tenant_id, clients) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET clients = clients + 1;
END;
CREATE TRIGGER api_clients_version_update AFTER UPDATE ON api_clients BEGIN
    INSERT INTO cache_versions (tenant_id, clients) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET clients = clients + 1;
END;
CREATE TRIGGER api_clients_version_delete AFTER DELETE ON api_clients BEGIN
    INSERT INTO cache_versions (tenant_id, clients) VALUES (OLD.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET clients = clients + 1;
END;
