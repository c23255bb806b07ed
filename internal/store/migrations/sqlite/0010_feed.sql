-- The gap-free change feed and per-customer history (issue #13).
--
-- Every customer_events row gets a feed position when its transaction
-- commits (see the store package doc): on SQLite, where one writer commits
-- at a time, the writing transaction numbers its own events just before it
-- commits, from the counter in feed_sequence. Existing events are numbered
-- in id order. Events also carry who made the change (actor), through which
-- API (via) and which fields changed (changes: JSON old → new).
ALTER TABLE customer_events ADD COLUMN position INTEGER;
ALTER TABLE customer_events ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_events ADD COLUMN actor_name TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_events ADD COLUMN actor_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_events ADD COLUMN via TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_events ADD COLUMN changes TEXT NOT NULL DEFAULT '';

UPDATE customer_events SET position = o.n
FROM (SELECT tenant_id, id, row_number() OVER (ORDER BY id) AS n FROM customer_events) AS o
WHERE customer_events.tenant_id = o.tenant_id AND customer_events.id = o.id;

CREATE TABLE feed_sequence (
    id   INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
INSERT INTO feed_sequence (id, last) SELECT 1, COALESCE(MAX(position), 0) FROM customer_events;

CREATE UNIQUE INDEX customer_events_position ON customer_events (tenant_id, position);
CREATE INDEX customer_events_customer ON customer_events (tenant_id, customer_id, position);
CREATE INDEX customer_events_unsequenced ON customer_events (id) WHERE position IS NULL;
CREATE INDEX customer_events_created ON customer_events (created_at);

-- Leases: background work that one node at a time must do (pruning old
-- events, delivering webhooks) is done by whoever holds the lease; a lease
-- left by a crashed node expires.
CREATE TABLE leases (
    name       TEXT NOT NULL PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
