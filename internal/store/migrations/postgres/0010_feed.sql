-- The gap-free change feed and per-customer history (issue #13).
--
-- Every customer_events row gets a feed position after its transaction
-- commits, from one sequencing step at a time (see the store package doc):
-- the step locks feed_sequence, numbers every committed unnumbered event in
-- draw order and commits. draw is taken from a sequence when the event is
-- written, so an event written after another transaction committed (the
-- next change of the same customer, which waited for that transaction's row
-- lock) always draws later. Existing events are numbered in id order.
-- Events also carry who made the change (actor), through which API (via)
-- and which fields changed (changes: JSON old → new).
CREATE SEQUENCE customer_events_draw;
ALTER TABLE customer_events ADD COLUMN position BIGINT;
ALTER TABLE customer_events ADD COLUMN draw BIGINT;
ALTER TABLE customer_events ALTER COLUMN draw SET DEFAULT nextval('customer_events_draw');
ALTER TABLE customer_events ADD COLUMN actor_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE customer_events ADD COLUMN actor_name TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE customer_events ADD COLUMN actor_kind TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE customer_events ADD COLUMN via TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE customer_events ADD COLUMN changes TEXT COLLATE "C" NOT NULL DEFAULT '';

UPDATE customer_events SET position = o.n
FROM (SELECT tenant_id, id, row_number() OVER (ORDER BY id) AS n FROM customer_events) AS o
WHERE customer_events.tenant_id = o.tenant_id AND customer_events.id = o.id;

CREATE TABLE feed_sequence (
    id   BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO feed_sequence (id, last) SELECT 1, COALESCE(MAX(position), 0) FROM customer_events;

CREATE UNIQUE INDEX customer_events_position ON customer_events (tenant_id, position);
CREATE INDEX customer_events_customer ON customer_events (tenant_id, customer_id, position);
CREATE INDEX customer_events_unsequenced ON customer_events (draw) WHERE position IS NULL;
CREATE INDEX customer_events_created ON customer_events (created_at);

-- Leases: background work that one node at a time must do (pruning old
-- events, delivering webhooks) is done by whoever holds the lease; a lease
-- left by a crashed node expires.
CREATE TABLE leases (
    name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    holder     TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL
);
