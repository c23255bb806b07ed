-- A request signature is bound to the first path it was used on (探马's
-- scheme signs appId + timestamp + body + appKey, not the path), and a
-- write's (or a 达实 token URL's) signature is usable once.
ALTER TABLE request_nonces ADD COLUMN path TEXT NOT NULL DEFAULT '';
ALTER TABLE request_nonces ADD COLUMN once INTEGER NOT NULL DEFAULT 1;
