-- Cache versions (issue 14): a node caches each tenant's catalogue (custom
-- fields and options, unique settings, tags, stages, departments, staff) and
-- its API clients, and checks one row per request instead of reloading them:
-- every write of those tables, through any path of any node, moves the
-- tenant's version in the same transaction (triggers, so no writer can
-- forget it), and a cache entry is used only while its version is current.

CREATE TABLE cache_versions (
    tenant_id BIGINT NOT NULL PRIMARY KEY,
    catalog   BIGINT NOT NULL DEFAULT 0,
    clients   BIGINT NOT NULL DEFAULT 0
);

CREATE FUNCTION kehu_bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN t := OLD.tenant_id; ELSE t := NEW.tenant_id; END IF;
    INSERT INTO cache_versions AS v (tenant_id, catalog) VALUES (t, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET catalog = v.catalog + 1;
    RETURN NULL;
END $$;

CREATE FUNCTION kehu_bump_clients_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN t := OLD.tenant_id; ELSE t := NEW.tenant_id; END IF;
    INSERT INTO cache_versions AS v (tenant_id, clients) VALUES (t, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET clients = v.clients + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER fields_version AFTER INSERT OR UPDATE OR DELETE ON fields FOR EACH ROW EXECUTE FUNCTION kehu_bump_catalog_version();
CREATE TRIGGER field_options_version AFTER INSERT OR UPDATE OR DELETE ON field_options FOR EACH ROW EXECUTE FUNCTION kehu_bump_catalog_version();
CREATE TRIGGER system_field_settings_version AFTER INSERT OR UPDATE OR DELETE ON system_field_settings FOR EACH ROW EXECUTE FUNCTION kehu_bump_catalog_version();
CREATE TRIGGER tag_groups_version AFTER INSERT OR UPDATE OR DELETE ON tag_groups FOR EACH ROW EXECUTE FUNCTION kehu_bump_catalog_version();
CREATE TRIGGER tags_version AFTER INSERT OR UPDATE OR DELETE ON tags FOR EACH ROW EXECUTE FUNCTION kehu_bump_catalog_version();
CREATE TRIGGER stages_version AFTER INSERT OR UPDATE OR DELETE ON stages FOR EACH ROW EXECUTE FUNCTION kehu_bump_catalog_version();
CREATE TRIGGER departments_version AFTER INSERT OR UPDATE OR DELETE ON departments FOR EACH ROW EXECUTE FUNCTION kehu_bump_catalog_version();
CREATE TRIGGER staff_version AFTER INSERT OR UPDATE OR DELETE ON staff FOR EACH ROW EXECUTE FUNCTION kehu_bump_catalog_version();
CREATE TRIGGER api_clients_version AFTER INSERT OR UPDATE OR DELETE ON api_clients FOR EACH ROW EXECUTE FUNCTION kehu_bump_clients_version();
