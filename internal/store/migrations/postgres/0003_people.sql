-- People (issue #11); see the SQLite migration of the same number.

CREATE TABLE audit_log (
    tenant_id   BIGINT NOT NULL,
    id          BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor_kind  TEXT COLLATE "C" NOT NULL,
    actor_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    actor_name  TEXT COLLATE "C" NOT NULL DEFAULT '',
    via         TEXT COLLATE "C" NOT NULL DEFAULT '',
    action      TEXT COLLATE "C" NOT NULL,
    target_kind TEXT COLLATE "C" NOT NULL DEFAULT '',
    target_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
    details     TEXT COLLATE "C" NOT NULL DEFAULT '',
    addr        TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, id);
CREATE INDEX audit_log_action ON audit_log (tenant_id, action, id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE auth_failures (
    tenant_id    BIGINT NOT NULL,
    subject      TEXT COLLATE "C" NOT NULL,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, subject)
);

CREATE TABLE staff_logins (
    tenant_id       BIGINT NOT NULL,
    staff_id        BIGINT NOT NULL,
    username        TEXT COLLATE "C",
    phone           TEXT COLLATE "C",
    password_hash   TEXT COLLATE "C" NOT NULL,
    totp_sealed     BYTEA,
    totp_enabled    BIGINT NOT NULL DEFAULT 0,
    super_admin     BIGINT NOT NULL DEFAULT 0,
    disabled_at     BIGINT,
    created_at      BIGINT NOT NULL,
    password_at     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, staff_id),
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff (tenant_id, id)
);
CREATE UNIQUE INDEX staff_logins_username ON staff_logins (tenant_id, username) WHERE username IS NOT NULL;
CREATE UNIQUE INDEX staff_logins_phone ON staff_logins (tenant_id, phone) WHERE phone IS NOT NULL;

CREATE TABLE staff_sessions (
    tenant_id    BIGINT NOT NULL,
    id           BIGINT NOT NULL,
    staff_id     BIGINT NOT NULL,
    token_hash   BYTEA  NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    addr         TEXT COLLATE "C" NOT NULL DEFAULT '',
    user_agent   TEXT COLLATE "C" NOT NULL DEFAULT '',
    revoked_at   BIGINT,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX staff_sessions_token ON staff_sessions (tenant_id, token_hash);
CREATE INDEX staff_sessions_staff ON staff_sessions (tenant_id, staff_id, id);
