-- kehu schema for PostgreSQL, kept by hand beside the SQLite one (never
-- derived from it at run time). Every key and index leads with tenant_id so it
-- can be distributed by tenant. Text columns use the "C" collation so sorting
-- and range scans (gram prefixes) are byte-ordered, as on SQLite.
-- Times are epoch milliseconds (BIGINT).

CREATE TABLE tenants (
    id         BIGINT PRIMARY KEY,
    name       TEXT COLLATE "C"    NOT NULL,
    created_at BIGINT  NOT NULL
);

CREATE TABLE projects (
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    id         BIGINT  NOT NULL,
    name       TEXT COLLATE "C"    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE api_clients (
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    client_id      TEXT COLLATE "C"    NOT NULL,
    name           TEXT COLLATE "C"    NOT NULL DEFAULT '',
    project_id     BIGINT,
    scopes         TEXT COLLATE "C"    NOT NULL,
    secret_sealed  BYTEA    NOT NULL,
    secret_version BIGINT  NOT NULL DEFAULT 1,
    created_at     BIGINT  NOT NULL,
    revoked_at     BIGINT,
    PRIMARY KEY (tenant_id, client_id)
);

CREATE TABLE customers (
    tenant_id    BIGINT  NOT NULL REFERENCES tenants(id),
    id           BIGINT  NOT NULL,
    project_id   BIGINT,
    external_id  TEXT COLLATE "C",
    name         TEXT COLLATE "C"    NOT NULL DEFAULT '',
    name_norm    TEXT COLLATE "C"    NOT NULL DEFAULT '',
    first_name   TEXT COLLATE "C"    NOT NULL DEFAULT '',
    last_name    TEXT COLLATE "C"    NOT NULL DEFAULT '',
    phone        TEXT COLLATE "C",
    phone_rev    TEXT COLLATE "C",
    phones       TEXT COLLATE "C",
    email        TEXT COLLATE "C",
    company      TEXT COLLATE "C"    NOT NULL DEFAULT '',
    company_norm TEXT COLLATE "C"    NOT NULL DEFAULT '',
    company_ids  TEXT COLLATE "C",
    address      TEXT COLLATE "C"    NOT NULL DEFAULT '',
    street       TEXT COLLATE "C"    NOT NULL DEFAULT '',
    city         TEXT COLLATE "C"    NOT NULL DEFAULT '',
    state        TEXT COLLATE "C"    NOT NULL DEFAULT '',
    country      TEXT COLLATE "C"    NOT NULL DEFAULT '',
    postal_code  TEXT COLLATE "C"    NOT NULL DEFAULT '',
    business_phone TEXT COLLATE "C"  NOT NULL DEFAULT '',
    home_phone   TEXT COLLATE "C"    NOT NULL DEFAULT '',
    fax          TEXT COLLATE "C"    NOT NULL DEFAULT '',
    remark       TEXT COLLATE "C"    NOT NULL DEFAULT '',
    status       BIGINT  NOT NULL DEFAULT 1,
    owner_id     BIGINT,
    stage_id     BIGINT,
    collaborator_ids TEXT COLLATE "C",
    tag_ids      TEXT COLLATE "C",
    id_type      BIGINT  NOT NULL DEFAULT 0,
    id_number    TEXT COLLATE "C",
    sex          BIGINT  NOT NULL DEFAULT 0,
    age          BIGINT  NOT NULL DEFAULT 0,
    born_date    BIGINT  NOT NULL DEFAULT 0,
    space_ids    TEXT COLLATE "C",
    space_names  TEXT COLLATE "C",
    paths        TEXT COLLATE "C",
    grade_id     BIGINT  NOT NULL DEFAULT 0,
    grade_name   TEXT COLLATE "C"    NOT NULL DEFAULT '',
    type_id      BIGINT  NOT NULL DEFAULT 0,
    type_name    TEXT COLLATE "C"    NOT NULL DEFAULT '',
    contact_name  TEXT COLLATE "C"   NOT NULL DEFAULT '',
    contact_phone TEXT COLLATE "C"   NOT NULL DEFAULT '',
    native_place TEXT COLLATE "C"    NOT NULL DEFAULT '',
    nation       TEXT COLLATE "C"    NOT NULL DEFAULT '',
    marriage     BIGINT  NOT NULL DEFAULT 0,
    education    BIGINT  NOT NULL DEFAULT 0,
    profession   TEXT COLLATE "C"    NOT NULL DEFAULT '',
    speciality   TEXT COLLATE "C"    NOT NULL DEFAULT '',
    interest     TEXT COLLATE "C"    NOT NULL DEFAULT '',
    personality  TEXT COLLATE "C"    NOT NULL DEFAULT '',
    job_num      TEXT COLLATE "C"    NOT NULL DEFAULT '',
    face_photo   TEXT COLLATE "C"    NOT NULL DEFAULT '',
    open_id      TEXT COLLATE "C"    NOT NULL DEFAULT '',
    union_id     TEXT COLLATE "C"    NOT NULL DEFAULT '',
    management_forms    TEXT COLLATE "C"    NOT NULL DEFAULT '',
    management_forms_id BIGINT  NOT NULL DEFAULT 0,
    custom       TEXT COLLATE "C"    NOT NULL DEFAULT '{}',
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    created_by       TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_by_name  TEXT COLLATE "C" NOT NULL DEFAULT '',
    updated_by       TEXT COLLATE "C" NOT NULL DEFAULT '',
    updated_by_name  TEXT COLLATE "C" NOT NULL DEFAULT '',
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
    tenant_id   BIGINT  NOT NULL,
    gram        TEXT COLLATE "C" NOT NULL,
    customer_id BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, gram, customer_id)
);

-- Typed values of custom fields, one row per value (a multi-select has
-- several), so every condition on a custom field is an index range.
CREATE TABLE customer_values_num (
    tenant_id   BIGINT  NOT NULL,
    field_id    BIGINT  NOT NULL,
    value       DOUBLE PRECISION NOT NULL,
    customer_id BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, field_id, value, customer_id)
);
CREATE INDEX customer_values_num_customer ON customer_values_num (tenant_id, customer_id, field_id);

CREATE TABLE customer_values_text (
    tenant_id   BIGINT  NOT NULL,
    field_id    BIGINT  NOT NULL,
    value       TEXT COLLATE "C" NOT NULL,
    customer_id BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, field_id, value, customer_id)
);
CREATE INDEX customer_values_text_customer ON customer_values_text (tenant_id, customer_id, field_id);

-- Values of fields marked unique: the primary key enforces uniqueness for
-- every API and every import (查重), no check-then-insert.
CREATE TABLE customer_unique (
    tenant_id   BIGINT  NOT NULL,
    field_id    BIGINT  NOT NULL,
    value       TEXT COLLATE "C" NOT NULL,
    customer_id BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, field_id, value)
);
CREATE INDEX customer_unique_customer ON customer_unique (tenant_id, customer_id);

CREATE TABLE customer_tags (
    tenant_id   BIGINT  NOT NULL,
    tag_id      BIGINT  NOT NULL,
    customer_id BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, tag_id, customer_id)
);
CREATE INDEX customer_tags_customer ON customer_tags (tenant_id, customer_id);

CREATE TABLE customer_collaborators (
    tenant_id   BIGINT  NOT NULL,
    staff_id    BIGINT  NOT NULL,
    customer_id BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, staff_id, customer_id)
);
CREATE INDEX customer_collaborators_customer ON customer_collaborators (tenant_id, customer_id);

CREATE TABLE fields (
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    id         BIGINT  NOT NULL,
    key        TEXT COLLATE "C"    NOT NULL,
    label      TEXT COLLATE "C"    NOT NULL,
    type       TEXT COLLATE "C"    NOT NULL,
    is_unique  BIGINT  NOT NULL DEFAULT 0,
    position   BIGINT  NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX fields_key ON fields (tenant_id, key);

CREATE TABLE field_options (
    tenant_id BIGINT  NOT NULL,
    field_id  BIGINT  NOT NULL,
    id        BIGINT  NOT NULL,
    label     TEXT COLLATE "C"    NOT NULL,
    position  BIGINT  NOT NULL DEFAULT 0,
    deleted   BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, field_id, id)
);

-- System fields a tenant has marked unique (phone, email, idNumber, …).
CREATE TABLE system_field_settings (
    tenant_id BIGINT  NOT NULL,
    field_id  BIGINT  NOT NULL,
    is_unique BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, field_id)
);

CREATE TABLE tag_groups (
    tenant_id BIGINT  NOT NULL REFERENCES tenants(id),
    id        BIGINT  NOT NULL,
    name      TEXT COLLATE "C"    NOT NULL,
    position  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX tag_groups_name ON tag_groups (tenant_id, name);

CREATE TABLE tags (
    tenant_id BIGINT  NOT NULL,
    id        BIGINT  NOT NULL,
    group_id  BIGINT  NOT NULL,
    name      TEXT COLLATE "C"    NOT NULL,
    position  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES tag_groups (tenant_id, id)
);
CREATE UNIQUE INDEX tags_name ON tags (tenant_id, group_id, name);

CREATE TABLE departments (
    tenant_id BIGINT  NOT NULL REFERENCES tenants(id),
    id        BIGINT  NOT NULL,
    parent_id BIGINT,
    name      TEXT COLLATE "C"    NOT NULL,
    path      TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX departments_path ON departments (tenant_id, path);

CREATE TABLE staff (
    tenant_id     BIGINT  NOT NULL REFERENCES tenants(id),
    id            BIGINT  NOT NULL,
    name          TEXT COLLATE "C"    NOT NULL,
    department_id BIGINT,
    email         TEXT COLLATE "C"    NOT NULL DEFAULT '',
    phone         TEXT COLLATE "C"    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX staff_department ON staff (tenant_id, department_id);

CREATE TABLE stages (
    tenant_id BIGINT  NOT NULL REFERENCES tenants(id),
    id        BIGINT  NOT NULL,
    name      TEXT COLLATE "C"    NOT NULL,
    position  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id)
);

-- Durable customer change feed (达实 domain events add/edit/delete).
CREATE TABLE customer_events (
    tenant_id   BIGINT  NOT NULL,
    id          BIGINT  NOT NULL,
    project_id  BIGINT,
    customer_id BIGINT  NOT NULL,
    kind        TEXT COLLATE "C"    NOT NULL,
    data        TEXT COLLATE "C"    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE idempotency_keys (
    tenant_id    BIGINT  NOT NULL,
    client_id    TEXT COLLATE "C"    NOT NULL,
    key          TEXT COLLATE "C"    NOT NULL,
    request_hash TEXT COLLATE "C"    NOT NULL,
    status       BIGINT  NOT NULL,
    body         BYTEA    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, client_id, key)
);

-- Seen signed requests (探马 replay protection), kept for the signature window.
CREATE TABLE request_nonces (
    tenant_id  BIGINT  NOT NULL,
    nonce      TEXT COLLATE "C"    NOT NULL,
    expires_at BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, nonce)
);

CREATE TABLE imports (
    tenant_id   BIGINT  NOT NULL,
    id          BIGINT  NOT NULL,
    status      TEXT COLLATE "C"    NOT NULL,
    file_name   TEXT COLLATE "C"    NOT NULL DEFAULT '',
    options     TEXT COLLATE "C"    NOT NULL DEFAULT '{}',
    total_rows  BIGINT  NOT NULL DEFAULT 0,
    processed   BIGINT  NOT NULL DEFAULT 0,
    created     BIGINT  NOT NULL DEFAULT 0,
    updated     BIGINT  NOT NULL DEFAULT 0,
    skipped     BIGINT  NOT NULL DEFAULT 0,
    failed      BIGINT  NOT NULL DEFAULT 0,
    error       TEXT COLLATE "C"    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE import_issues (
    tenant_id   BIGINT  NOT NULL,
    import_id   BIGINT  NOT NULL,
    row_no      BIGINT  NOT NULL,
    kind        TEXT COLLATE "C"    NOT NULL,
    reason      TEXT COLLATE "C"    NOT NULL,
    existing_id BIGINT,
    data        TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (tenant_id, import_id, row_no)
);
