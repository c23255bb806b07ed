-- Saved views of the customers list (issue #15): a staff member's named
-- search, filter, sort and columns. The owner sees their views; a shared
-- one (an administrator shares it) every staff member of the tenant sees.
-- Names are unique per owner. column_keys is a comma-separated list of field
-- keys; times are epoch ms.
--
-- Not additive (the owner's names are a unique index): an older kehu
-- refuses this schema, so upgrade every node past it together.
CREATE TABLE saved_views (
    tenant_id    INTEGER NOT NULL,
    id           INTEGER NOT NULL,
    staff_id     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    q            TEXT NOT NULL DEFAULT '',
    filter_expr  TEXT NOT NULL DEFAULT '',
    sort_by      TEXT NOT NULL DEFAULT '',
    column_keys  TEXT NOT NULL DEFAULT '',
    shared       INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
-- A staff member's own views by name (and the name's uniqueness); the
-- tenant's shared views.
CREATE UNIQUE INDEX saved_views_owner_name ON saved_views (tenant_id, staff_id, name);
CREATE INDEX saved_views_shared ON saved_views (tenant_id, name) WHERE shared = 1;
