-- Roles and data scopes (数据权限, issue #11); see the SQLite migration of
-- the same number for what each column means.

CREATE TABLE roles (
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    id          BIGINT  NOT NULL,
    role_key    TEXT COLLATE "C" NOT NULL DEFAULT '',
    name        TEXT COLLATE "C" NOT NULL,
    data_scope  TEXT COLLATE "C" NOT NULL,
    collab      BIGINT  NOT NULL DEFAULT 0,
    permissions TEXT COLLATE "C" NOT NULL DEFAULT '',
    built_in    BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX roles_name ON roles (tenant_id, name);
CREATE UNIQUE INDEX roles_key ON roles (tenant_id, role_key) WHERE role_key <> '';

ALTER TABLE staff ADD COLUMN role_id BIGINT;
CREATE INDEX staff_role ON staff (tenant_id, role_id) WHERE role_id IS NOT NULL;

ALTER TABLE api_clients ADD COLUMN staff_id BIGINT;
