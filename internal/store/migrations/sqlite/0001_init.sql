-- kehu schema for SQLite. Every key and index leads with tenant_id so the
-- same shape can be distributed by tenant on a PostgreSQL-compatible engine.
-- Times are epoch milliseconds (INTEGER).

CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE projects (
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
    id         INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE TABLE api_clients (
    tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
    client_id      TEXT    NOT NULL,
    name           TEXT    NOT NULL DEFAULT '',
    project_id     INTEGER,
    scopes         TEXT    NOT NULL,
    secret_sealed  BLOB    NOT NULL,
    secret_version INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    PRIMARY KEY (tenant_id, client_id)
) WITHOUT ROWID;

CREATE TABLE customers (
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
    id           INTEGER NOT NULL,
    project_id   INTEGER,
    external_id  TEXT,
    name         TEXT    NOT NULL DEFAULT '',
    name_norm    TEXT    NOT NULL DEFAULT '',
    first_name   TEXT    NOT NULL DEFAULT '',
    last_name    TEXT    NOT NULL DEFAULT '',
    phone        TEXT,
    phone_rev    TEXT,
    phones       TEXT,
    email        TEXT,
    company      TEXT    NOT NULL DEFAULT '',
    company_norm TEXT    NOT NULL DEFAULT '',
    company_ids  TEXT,
    address      TEXT    NOT NULL DEFAULT '',
    street       TEXT    NOT NULL DEFAULT '',
    city         TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL DEFAULT '',
    country      TEXT    NOT NULL DEFAULT '',
    postal_code  TEXT    NOT NULL DEFAULT '',
    business_phone TEXT  NOT NULL DEFAULT '',
    home_phone   TEXT    NOT NULL DEFAULT '',
    fax          TEXT    NOT NULL DEFAULT '',
    remark       TEXT    NOT NULL DEFAULT '',
    status       INTEGER NOT NULL DEFAULT 1,
    owner_id     INTEGER,
    stage_id     INTEGER,
    collaborator_ids TEXT,
    tag_ids      TEXT,
    id_type      INTEGER NOT NULL DEFAULT 0,
    id_number    TEXT,
    sex          INTEGER NOT NULL DEFAULT 0,
    age          INTEGER NOT NULL DEFAULT 0,
    born_date    INTEGER NOT NULL DEFAULT 0,
    space_ids    TEXT,
    space_names  TEXT,
    paths        TEXT,
    grade_id     INTEGER NOT NULL DEFAULT 0,
    grade_name   TEXT    NOT NULL DEFAULT '',
    type_id      INTEGER NOT NULL DEFAULT 0,
    type_name    TEXT    NOT NULL DEFAULT '',
    contact_name  TEXT   NOT NULL DEFAULT '',
    contact_phone TEXT   NOT NULL DEFAULT '',
    native_place TEXT    NOT NULL DEFAULT '',
    nation       TEXT    NOT NULL DEFAULT '',
    marriage     INTEGER NOT NULL DEFAULT 0,
    education    INTEGER NOT NULL DEFAULT 0,
    profession   TEXT    NOT NULL DEFAULT '',
    speciality   TEXT    NOT NULL DEFAULT '',
    interest     TEXT    NOT NULL DEFAULT '',
    personality  TEXT    NOT NULL DEFAULT '',
    job_num      TEXT    NOT NULL DEFAULT '',
    face_photo   TEXT    NOT NULL DEFAULT '',
    open_id      TEXT    NOT NULL DEFAULT '',
    union_id     TEXT    NOT NULL DEFAULT '',
    management_forms    TEXT    NOT NULL DEFAULT '',
    management_forms_id INTEGER NOT NULL DEFAULT 0,
    custom       TEXT    NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    created_by       TEXT NOT NULL DEFAULT '',
    created_by_name  TEXT NOT NULL DEFAULT '',
    updated_by       TEXT NOT NULL DEFAULT '',
    updated_by_name  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX customers_created   ON customers (tenant_id, created_at, id);
CREATE INDEX customers_updated   ON customers (tenant_id, updated_at, id);
CREATE INDEX customers_status    ON customers (tenant_id, status, created_at, id);
CREATE INDEX customers_project   ON customers (tenant_id, project_id, created_at, id);
CREATE INDEX customers_phone     ON customers (tenant_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_phone_rev ON customers (tenant_id, phone_rev) WHERE phone_rev IS NOT NULL;
CREATE INDEX customers_email     ON customers (tenant_id, email) WHERE email IS NOT NULL;
CREATE INDEX customers_owner     ON customers (tenant_id, owner_id, id) WHERE owner_id IS NOT NULL;
CREATE INDEX customers_stage     ON customers (tenant_id, stage_id, id) WHERE stage_id IS NOT NULL;
CREATE INDEX customers_name      ON customers (tenant_id, name, id);
CREATE INDEX customers_id_number ON customers (tenant_id, id_number) WHERE id_number IS NOT NULL;
CREATE UNIQUE INDEX customers_external ON customers (tenant_id, external_id) WHERE external_id IS NOT NULL;

-- Name, company and pinyin tokens from internal/textindex: one B-tree that
-- answers 1–2 character fragments and pinyin prefixes (LIKE cannot).
CREATE TABLE customer_grams (
    tenant_id   INTEGER NOT NULL,
    gram        TEXT    NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, gram, customer_id)
) WITHOUT ROWID;

-- Typed values of custom fields, one row per value (a multi-select has
-- several), so every condition on a custom field is an index range.
CREATE TABLE customer_values_num (
    tenant_id   INTEGER NOT NULL,
    field_id    INTEGER NOT NULL,
    value       REAL    NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, field_id, value, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_values_num_customer ON customer_values_num (tenant_id, customer_id, field_id);

CREATE TABLE customer_values_text (
    tenant_id   INTEGER NOT NULL,
    field_id    INTEGER NOT NULL,
    value       TEXT    NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, field_id, value, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_values_text_customer ON customer_values_text (tenant_id, customer_id, field_id);

-- Values of fields marked unique: the primary key enforces uniqueness for
-- every API and every import (查重), no check-then-insert.
CREATE TABLE customer_unique (
    tenant_id   INTEGER NOT NULL,
    field_id    INTEGER NOT NULL,
    value       TEXT    NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, field_id, value)
) WITHOUT ROWID;
CREATE INDEX customer_unique_customer ON customer_unique (tenant_id, customer_id);

CREATE TABLE customer_tags (
    tenant_id   INTEGER NOT NULL,
    tag_id      INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, tag_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_tags_customer ON customer_tags (tenant_id, customer_id);

CREATE TABLE customer_collaborators (
    tenant_id   INTEGER NOT NULL,
    staff_id    INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, staff_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_collaborators_customer ON customer_collaborators (tenant_id, customer_id);

CREATE TABLE fields (
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
    id         INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    label      TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    is_unique  INTEGER NOT NULL DEFAULT 0,
    position   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX fields_key ON fields (tenant_id, key);

CREATE TABLE field_options (
    tenant_id INTEGER NOT NULL,
    field_id  INTEGER NOT NULL,
    id        INTEGER NOT NULL,
    label     TEXT    NOT NULL,
    position  INTEGER NOT NULL DEFAULT 0,
    deleted   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, field_id, id)
) WITHOUT ROWID;

-- System fields a tenant has marked unique (phone, email, idNumber, …).
CREATE TABLE system_field_settings (
    tenant_id INTEGER NOT NULL,
    field_id  INTEGER NOT NULL,
    is_unique INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, field_id)
) WITHOUT ROWID;

CREATE TABLE tag_groups (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    id        INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    position  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX tag_groups_name ON tag_groups (tenant_id, name);

CREATE TABLE tags (
    tenant_id INTEGER NOT NULL,
    id        INTEGER NOT NULL,
    group_id  INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    position  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES tag_groups (tenant_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX tags_name ON tags (tenant_id, group_id, name);

CREATE TABLE departments (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    id        INTEGER NOT NULL,
    parent_id INTEGER,
    name      TEXT    NOT NULL,
    path      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX departments_path ON departments (tenant_id, path);

CREATE TABLE staff (
    tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
    id            INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    department_id INTEGER,
    email         TEXT    NOT NULL DEFAULT '',
    phone         TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX staff_department ON staff (tenant_id, department_id);

CREATE TABLE stages (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    id        INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    position  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

-- Durable customer change feed (达实 domain events add/edit/delete).
CREATE TABLE customer_events (
    tenant_id   INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    project_id  INTEGER,
    customer_id INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    data        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    tenant_id    INTEGER NOT NULL,
    client_id    TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, client_id, key)
) WITHOUT ROWID;

-- Seen signed requests (探马 replay protection), kept for the signature window.
CREATE TABLE request_nonces (
    tenant_id  INTEGER NOT NULL,
    nonce      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, nonce)
) WITHOUT ROWID;

CREATE TABLE imports (
    tenant_id   INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    file_name   TEXT    NOT NULL DEFAULT '',
    options     TEXT    NOT NULL DEFAULT '{}',
    total_rows  INTEGER NOT NULL DEFAULT 0,
    processed   INTEGER NOT NULL DEFAULT 0,
    created     INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE TABLE import_issues (
    tenant_id   INTEGER NOT NULL,
    import_id   INTEGER NOT NULL,
    row_no      INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    existing_id INTEGER,
    data        TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, import_id, row_no)
) WITHOUT ROWID;
