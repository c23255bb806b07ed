-- People (issue #11): the audit log, failed-authentication counters
-- (lockout/backoff), staff logins and their sessions.

-- Append-only: no API updates or deletes it, and the triggers below refuse
-- it for anyone else too. tenant_id 0 holds events that belong to no known
-- tenant (a failed login with a client id that names none).
CREATE TABLE audit_log (
    tenant_id   INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor_kind  TEXT    NOT NULL,
    actor_id    TEXT    NOT NULL DEFAULT '',
    actor_name  TEXT    NOT NULL DEFAULT '',
    via         TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    target_kind TEXT    NOT NULL DEFAULT '',
    target_id   TEXT    NOT NULL DEFAULT '',
    details     TEXT    NOT NULL DEFAULT '',
    addr        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, id);
CREATE INDEX audit_log_action ON audit_log (tenant_id, action, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Failed authentications per subject (a client id, a login name or a source
-- address) in the current window, and until when the subject is locked.
-- Address subjects and subjects of unknown tenants use tenant_id 0.
CREATE TABLE auth_failures (
    tenant_id    INTEGER NOT NULL,
    subject      TEXT    NOT NULL,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, subject)
) WITHOUT ROWID;

-- A staff member's login. username and phone (E.164) are each unique per
-- tenant; the password is an argon2id PHC string; the TOTP secret is sealed.
CREATE TABLE staff_logins (
    tenant_id       INTEGER NOT NULL,
    staff_id        INTEGER NOT NULL,
    username        TEXT,
    phone           TEXT,
    password_hash   TEXT    NOT NULL,
    totp_sealed     BLOB,
    totp_enabled    INTEGER NOT NULL DEFAULT 0,
    super_admin     INTEGER NOT NULL DEFAULT 0,
    disabled_at     INTEGER,
    created_at      INTEGER NOT NULL,
    password_at     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, staff_id),
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff (tenant_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX staff_logins_username ON staff_logins (tenant_id, username) WHERE username IS NOT NULL;
CREATE UNIQUE INDEX staff_logins_phone ON staff_logins (tenant_id, phone) WHERE phone IS NOT NULL;

-- Sessions of staff logins; only the SHA-256 of the cookie token is kept.
CREATE TABLE staff_sessions (
    tenant_id    INTEGER NOT NULL,
    id           INTEGER NOT NULL,
    staff_id     INTEGER NOT NULL,
    token_hash   BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    addr         TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT '',
    revoked_at   INTEGER,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX staff_sessions_token ON staff_sessions (tenant_id, token_hash);
CREATE INDEX staff_sessions_staff ON staff_sessions (tenant_id, staff_id, id);
