-- Roles and data scopes (数据权限, issue #11).
--
-- Every tenant has the four built-in roles (管理员, 主管, 销售, 只读; key set,
-- built_in = 1), created with the tenant (and for existing tenants by the Go
-- step of this migration), editable but never deleted, plus any roles of its
-- own. A role is a data scope (self, dept, deptTree, all), whether the
-- customers the member collaborates on are added (collab), and a
-- space-separated list of permissions (model.Permission).
--
-- staff.role_id gives a staff member a role (NULL: the built-in 销售);
-- api_clients.staff_id lets an API client act as a staff member, with that
-- member's role and data scope (NULL: the client acts as the tenant).

CREATE TABLE roles (
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    id          INTEGER NOT NULL,
    role_key    TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL,
    data_scope  TEXT    NOT NULL,
    collab      INTEGER NOT NULL DEFAULT 0,
    permissions TEXT    NOT NULL DEFAULT '',
    built_in    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX roles_name ON roles (tenant_id, name);
CREATE UNIQUE INDEX roles_key ON roles (tenant_id, role_key) WHERE role_key <> '';

ALTER TABLE staff ADD COLUMN role_id INTEGER;
CREATE INDEX staff_role ON staff (tenant_id, role_id) WHERE role_id IS NOT NULL;

ALTER TABLE api_clients ADD COLUMN staff_id INTEGER;
