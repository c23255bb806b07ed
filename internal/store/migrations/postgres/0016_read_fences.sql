-- Read-your-writes with read replicas (kehu serve --db-replica): the
-- primary's WAL position after each client's last write, written after the
-- write commits. A read of that client goes to a replica only once the
-- replica has replayed past it (pg_last_wal_replay_lsn() >= lsn), else to
-- the primary. One row per (tenant, session): "client:<id>" or "staff:<id>".
-- Written only when replicas are configured.
CREATE TABLE read_fences (
    tenant_id BIGINT NOT NULL,
    session   TEXT   NOT NULL,
    lsn       PG_LSN NOT NULL,
    PRIMARY KEY (tenant_id, session)
);
