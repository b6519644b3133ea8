-- FarmLive hub, schema 4: devices can be revoked and renew their tokens;
-- buyer tokens expire; enrolment codes are stored as keyed hashes.

-- Who removed a device and when (NULL while it is enrolled).
ALTER TABLE devices ADD COLUMN revoked_at INTEGER;
ALTER TABLE devices ADD COLUMN revoked_by TEXT;
-- A renewed token, valid beside the current one until it is first used
-- (then it becomes the current one): a renewal whose reply was lost
-- strands no device.
ALTER TABLE devices ADD COLUMN next_token_hash TEXT;
ALTER TABLE devices ADD COLUMN next_expires_at INTEGER;
CREATE UNIQUE INDEX devices_by_next_token ON devices (next_token_hash)
    WHERE next_token_hash IS NOT NULL;
CREATE INDEX device_farms_by_farm ON device_farms (farm_id, device_id);

-- Buyer tokens expire; each use moves the expiry forward (sliding).
-- Buyers signed up before this version get a full term from now.
ALTER TABLE buyers ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
UPDATE buyers SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 180 * 86400000;

-- Unused codes were stored as plain SHA-256, which a leaked database gives
-- up to brute force; they can no longer match (codes are now HMAC-SHA256
-- with a key kept beside the database), so they are dropped. Mint new ones.
DELETE FROM enrol_codes WHERE used_at IS NULL;
