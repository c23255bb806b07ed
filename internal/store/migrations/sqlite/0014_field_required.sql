-- Custom fields a tenant marks required (必填): a new customer must carry a
-- value, and no write may clear one. Customers stored before the mark keep
-- their empty value until a write sets it.
ALTER TABLE fields ADD COLUMN is_required BIGINT NOT NULL DEFAULT 0;
