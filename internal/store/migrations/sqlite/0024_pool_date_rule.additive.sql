-- 公海 recycling by a date the customer carries (issue 16; CordysCRM users
-- ask for rules tied to a contract's end date): the key of a custom date or
-- datetime field ('' = off) and the days after that date an owned customer
-- returns to the pool, and when a recycling pass last walked the field's
-- values for the rule (a serving node's passes walk them at most every
-- quarter of an hour: the rule counts days). Additive: nodes of the release before ignore the
-- columns, and their defaults are the rule switched off.
ALTER TABLE pools ADD COLUMN recycle_date_field TEXT NOT NULL DEFAULT '';
ALTER TABLE pools ADD COLUMN recycle_date_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pools ADD COLUMN recycle_date_walked_at INTEGER NOT NULL DEFAULT 0;
