-- FarmLive hub, schema 5: live video through the hub.
--
-- A live room's secret stream key, as the SHA-256 hex of the key (256
-- random bits, shown once to the room's device when it opens). The key is
-- revoked with the room: ending it sets this to NULL (store/sqlite/room_records.rs).
ALTER TABLE rooms ADD COLUMN stream_key_hash TEXT;
CREATE UNIQUE INDEX rooms_by_stream_key ON rooms (stream_key_hash)
    WHERE stream_key_hash IS NOT NULL;
