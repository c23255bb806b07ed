-- Speed at scale (issue #5).
--
-- 1. customers is rebuilt with the columns every list filters or sorts on
--    (status, times, project, owner, phone, …) at the front of the row:
--    SQLite decodes a record from its start, so reading created_at as the
--    62nd column cost ~1.3 µs per row in index builds and per looked-up
--    customer; now it is the 4th. A company index serves company search,
--    and the creation-time index also carries project and status, so the
--    default newest-first order with a project (or status) filter — every
--    达实 page — is walked without reading rows (deep page numbers).
-- 2. customer_grams keeps name and pinyin tokens only, and carries the
--    customer's status, so "name fragment + status" counts are one range
--    scan of the token index, without a customer lookup per match.
-- 3. Company tokens move to value_grams, keyed by the distinct normalised
--    company name instead of by customer: companies repeat, so a million
--    customers need ~3M token rows instead of ~15M. Rows are never deleted
--    (a token row only says "this company name contains this gram", which
--    stays true); the join through customers_company is exact.
-- 4. customer_counts holds exact customer counts per (project, status) in
--    8 slots (by id), updated in the same transaction as every customer
--    write, so unfiltered and project/status-only totals are a handful of
--    rows instead of a count over the table.

CREATE TABLE customers_new (
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
    id           INTEGER NOT NULL,
    status       INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    project_id   INTEGER,
    owner_id     INTEGER,
    stage_id     INTEGER,
    phone        TEXT,
    phone_rev    TEXT,
    email        TEXT,
    external_id  TEXT,
    id_number    TEXT,
    name         TEXT    NOT NULL DEFAULT '',
    name_norm    TEXT    NOT NULL DEFAULT '',
    company_norm TEXT    NOT NULL DEFAULT '',
    company      TEXT    NOT NULL DEFAULT '',
    first_name   TEXT    NOT NULL DEFAULT '',
    last_name    TEXT    NOT NULL DEFAULT '',
    phones       TEXT,
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
    collaborator_ids TEXT,
    tag_ids      TEXT,
    id_type      INTEGER NOT NULL DEFAULT 0,
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
    created_by       TEXT NOT NULL DEFAULT '',
    created_by_name  TEXT NOT NULL DEFAULT '',
    updated_by       TEXT NOT NULL DEFAULT '',
    updated_by_name  TEXT NOT NULL DEFAULT '',
    custom       TEXT    NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
);
INSERT INTO customers_new (tenant_id, id, status, created_at, updated_at, project_id, owner_id, stage_id, phone, phone_rev, email, external_id, id_number, name, name_norm, company_norm, company, first_name, last_name, phones, company_ids, address, street, city, state, country, postal_code, business_phone, home_phone, fax, remark, collaborator_ids, tag_ids, id_type, sex, age, born_date, space_ids, space_names, paths, grade_id, grade_name, type_id, type_name, contact_name, contact_phone, native_place, nation, marriage, education, profession, speciality, interest, personality, job_num, face_photo, open_id, union_id, management_forms, management_forms_id, created_by, created_by_name, updated_by, updated_by_name, custom) SELECT tenant_id, id, status, created_at, updated_at, project_id, owner_id, stage_id, phone, phone_rev, email, external_id, id_number, name, name_norm, company_norm, company, first_name, last_name, phones, company_ids, address, street, city, state, country, postal_code, business_phone, home_phone, fax, remark, collaborator_ids, tag_ids, id_type, sex, age, born_date, space_ids, space_names, paths, grade_id, grade_name, type_id, type_name, contact_name, contact_phone, native_place, nation, marriage, education, profession, speciality, interest, personality, job_num, face_photo, open_id, union_id, management_forms, management_forms_id, created_by, created_by_name, updated_by, updated_by_name, custom FROM customers;
DROP TABLE customers;
ALTER TABLE customers_new RENAME TO customers;
CREATE INDEX customers_created   ON customers (tenant_id, created_at, id, project_id, status);
CREATE INDEX customers_updated   ON customers (tenant_id, updated_at, id);
CREATE INDEX customers_status    ON customers (tenant_id, status, created_at, id);
CREATE INDEX customers_project   ON customers (tenant_id, project_id, created_at, id);
CREATE INDEX customers_phone     ON customers (tenant_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_phone_rev ON customers (tenant_id, phone_rev) WHERE phone_rev IS NOT NULL;
CREATE INDEX customers_email     ON customers (tenant_id, email) WHERE email IS NOT NULL;
CREATE INDEX customers_owner     ON customers (tenant_id, owner_id, id) WHERE owner_id IS NOT NULL;
CREATE INDEX customers_stage     ON customers (tenant_id, stage_id, id) WHERE stage_id IS NOT NULL;
CREATE INDEX customers_name      ON customers (tenant_id, name, id);
CREATE INDEX customers_company   ON customers (tenant_id, company_norm) WHERE company_norm <> '';
CREATE INDEX customers_id_number ON customers (tenant_id, id_number) WHERE id_number IS NOT NULL;
CREATE UNIQUE INDEX customers_external ON customers (tenant_id, external_id) WHERE external_id IS NOT NULL;

DELETE FROM customer_grams WHERE gram >= 'c' AND gram < 'd';
ALTER TABLE customer_grams ADD COLUMN status INTEGER NOT NULL DEFAULT 1;
UPDATE customer_grams SET status = (SELECT c.status FROM customers c
    WHERE c.tenant_id = customer_grams.tenant_id AND c.id = customer_grams.customer_id)
    WHERE status <> (SELECT c.status FROM customers c
    WHERE c.tenant_id = customer_grams.tenant_id AND c.id = customer_grams.customer_id);

CREATE TABLE value_grams (
    tenant_id INTEGER NOT NULL,
    gram      TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, gram, value)
) WITHOUT ROWID;
-- (filled from the existing customers by a Go step of this migration: the
-- tokens come from internal/textindex)

CREATE TABLE customer_counts (
    tenant_id  INTEGER NOT NULL,
    project_id INTEGER NOT NULL, -- 0: no project
    status     INTEGER NOT NULL,
    slot       INTEGER NOT NULL, -- customer id % 8: concurrent writers rarely share a row
    n          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, project_id, status, slot)
) WITHOUT ROWID;
INSERT INTO customer_counts (tenant_id, project_id, status, slot, n)
    SELECT tenant_id, COALESCE(project_id, 0), status, id % 8, COUNT(*) FROM customers GROUP BY 1, 2, 3, 4;
