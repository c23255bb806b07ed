-- kehu sync (issue 19): pulling a tenant's customers from 达实, 探马 or Yeastar.
--
-- syncs has one row per source a tenant syncs from (platform, base URL and the
-- platform's project): the run in progress — its import job (the job record
-- the API shows) and, in state, the last page committed — and the watermark of
-- the last complete run. A run holds a lease on the row (lease_owner,
-- lease_until), so two `kehu sync` processes never walk one source at once;
-- a killed run's lease simply expires.
--
-- sync_records has one row per platform customer synced: the kehu customer it
-- became and the content hash of its last version, so a full walk reports
-- unchanged customers as unchanged without writing them. Rows are written in
-- the same transaction as the customers and the checkpoint.

CREATE TABLE syncs (
    tenant_id   BIGINT  NOT NULL,
    id          BIGINT  NOT NULL,
    source      TEXT COLLATE "C" NOT NULL,
    platform    TEXT COLLATE "C" NOT NULL,
    state       TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    job_id      BIGINT  NOT NULL DEFAULT 0,
    watermark   BIGINT  NOT NULL DEFAULT 0,
    lease_owner TEXT COLLATE "C" NOT NULL DEFAULT '',
    lease_until BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE UNIQUE INDEX syncs_source ON syncs (tenant_id, source);

CREATE TABLE sync_records (
    tenant_id   BIGINT  NOT NULL,
    sync_id     BIGINT  NOT NULL,
    external_id TEXT COLLATE "C" NOT NULL,
    customer_id BIGINT  NOT NULL,
    hash        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, sync_id, external_id)
);
