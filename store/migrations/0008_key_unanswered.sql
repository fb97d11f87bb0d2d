-- A key re-check whose answer did not say whether the key may withdraw or trade is stored as
-- such, so `keys list` and the live-key check refuse the key until a clear answer arrives.
ALTER TABLE credentials ADD COLUMN perms_unknown INTEGER NOT NULL DEFAULT 0;
