-- The last TOTP time step a login accepted (Unix time / 30 s): a code is
-- refused unless its step is later, so a code seen once (shoulder-surfed,
-- phished, replayed) cannot sign in again within its window. Kept in the
-- database so every node refuses it.
ALTER TABLE staff_logins ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
