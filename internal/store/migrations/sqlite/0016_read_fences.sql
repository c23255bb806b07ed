-- Read-your-writes with read replicas (kehu serve --db-replica, PostgreSQL
-- only): see the PostgreSQL migration. SQLite has no replicas, so this table
-- stays empty; it exists so both schemas have the same tables.
CREATE TABLE read_fences (
    tenant_id INTEGER NOT NULL,
    session   TEXT    NOT NULL,
    lsn       TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, session)
);
