-- FarmLive hub on PostgreSQL, schema 1: the SQLite schema 6 (hub/sql/001
-- to 006) in one step, for the PostgreSQL store (store/postgres/, to come).
-- The same tables, columns and indexes, so each store module maps 1:1; the
-- differences, and why:
-- - Times in ms, lengths and sequence numbers are BIGINT (SQLite's INTEGER
--   is 64-bit).
-- - JSON stays TEXT: the stores read and write whole states, as in SQLite.
-- - `changes.seq` and `room_events.id` are not serials: a serial's numbers
--   become visible out of commit order across connections, and a follower
--   resuming after id N would skip a smaller id committed later. They are
--   taken from `feed_counters`, whose row lock orders the commits that use
--   them (a rollback uses no number), so readers never see a gap.
-- - No WITHOUT ROWID (SQLite only); the partial unique indexes stay.
-- The migration runner records each schema version in `schema_version`
-- (which it creates); every migration ends by recording its own number.

CREATE TABLE farms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE enrol_codes (
    code_hash  TEXT PRIMARY KEY,            -- keyed hash (HMAC-SHA256)
    role       TEXT NOT NULL CHECK (role IN ('farmer', 'agent')),
    farms      TEXT NOT NULL,               -- JSON array of farm ids
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    used_by    TEXT
);

CREATE TABLE devices (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    -- Who removed a device and when (NULL while it is enrolled).
    revoked_at      BIGINT,
    revoked_by      TEXT,
    -- A renewed token, valid beside the current one until it is first used.
    next_token_hash TEXT,
    next_expires_at BIGINT
);
CREATE UNIQUE INDEX devices_by_next_token ON devices (next_token_hash)
    WHERE next_token_hash IS NOT NULL;

CREATE TABLE device_farms (
    device_id TEXT NOT NULL REFERENCES devices (id),
    farm_id   TEXT NOT NULL REFERENCES farms (id),
    PRIMARY KEY (device_id, farm_id)
);
CREATE INDEX device_farms_by_farm ON device_farms (farm_id, device_id);

CREATE TABLE listings (
    id      TEXT PRIMARY KEY,
    farm_id TEXT NOT NULL REFERENCES farms (id),
    status  TEXT NOT NULL,
    state   TEXT NOT NULL                   -- JSON ListingState
);
CREATE INDEX listings_by_status ON listings (status);

-- Every op id ever applied, with its outcome: an op is applied at most once,
-- and a retried op gets the same answer.
CREATE TABLE applied_ops (
    op_id      TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL,
    outcome    TEXT NOT NULL,               -- JSON Outcome
    applied_at BIGINT NOT NULL
);

-- The feed devices pull; `seq` from feed_counters ('changes').
CREATE TABLE changes (
    seq       BIGINT PRIMARY KEY,
    farm_id   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    state     TEXT NOT NULL                 -- JSON ChangeBody
);
CREATE INDEX changes_by_farm ON changes (farm_id, seq);

-- Complete, hash-verified photos, shared by content.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    length     BIGINT NOT NULL,
    received   BIGINT NOT NULL,
    complete   INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE buyers (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    contact    TEXT NOT NULL,               -- JSON BuyerContact: personal data
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL DEFAULT 0    -- sliding: each use moves it forward
);

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    buyer_id        TEXT NOT NULL REFERENCES buyers (id),
    farm_id         TEXT NOT NULL REFERENCES farms (id),
    idempotency_key TEXT NOT NULL,
    state           TEXT NOT NULL,          -- JSON OrderState
    -- The delivery photo's image and thumbnail blobs (kept while the order is).
    delivery_photo  TEXT,
    delivery_thumb  TEXT,
    UNIQUE (buyer_id, idempotency_key)
);
CREATE INDEX orders_by_delivery_photo ON orders (delivery_photo)
    WHERE delivery_photo IS NOT NULL;
CREATE INDEX orders_by_delivery_thumb ON orders (delivery_thumb)
    WHERE delivery_thumb IS NOT NULL;

CREATE TABLE rooms (
    id              TEXT PRIMARY KEY,
    farm_id         TEXT NOT NULL REFERENCES farms (id),
    status          TEXT NOT NULL CHECK (status IN ('live', 'ended')),
    opened_at       BIGINT NOT NULL,
    state           TEXT NOT NULL,          -- JSON RoomRecord
    -- SHA-256 hex of a live room's stream key; NULL once it ends.
    stream_key_hash TEXT
);
CREATE UNIQUE INDEX rooms_one_live_per_farm ON rooms (farm_id) WHERE status = 'live';
CREATE INDEX rooms_by_status ON rooms (status, opened_at);
CREATE UNIQUE INDEX rooms_by_stream_key ON rooms (stream_key_hash)
    WHERE stream_key_hash IS NOT NULL;

-- Every event of every room; `id` (from feed_counters 'room_events') is
-- hub-wide and increasing: the SSE id and a follower's resume cursor.
CREATE TABLE room_events (
    id      BIGINT PRIMARY KEY,
    room_id TEXT NOT NULL REFERENCES rooms (id),
    at      BIGINT NOT NULL,
    body    TEXT NOT NULL                   -- JSON RoomEventBody
);
CREATE INDEX room_events_by_room ON room_events (room_id, id);

-- Uploads in progress, one per (photo, device).
CREATE TABLE blob_uploads (
    sha256     TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    length     BIGINT NOT NULL,
    received   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,             -- ms; expires a day after its last chunk
    PRIMARY KEY (sha256, device_id)
);
CREATE INDEX blob_uploads_by_device ON blob_uploads (device_id);

-- Which farms uploaded (or re-confirmed) a complete photo.
CREATE TABLE blob_owners (
    sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    farm_id    TEXT NOT NULL,
    touched_at BIGINT NOT NULL,
    PRIMARY KEY (sha256, farm_id)
);
CREATE INDEX blob_owners_by_farm ON blob_owners (farm_id);

-- The photos (image and thumbnail) each listing shows now.
CREATE TABLE listing_blobs (
    sha256     TEXT NOT NULL,
    listing_id TEXT NOT NULL,
    PRIMARY KEY (sha256, listing_id)
);
CREATE INDEX listing_blobs_by_listing ON listing_blobs (listing_id);

-- The last number handed out of each gap-free sequence.
CREATE TABLE feed_counters (
    name TEXT PRIMARY KEY CHECK (name IN ('changes', 'room_events')),
    n    BIGINT NOT NULL
);
INSERT INTO feed_counters (name, n) VALUES ('changes', 0), ('room_events', 0);

INSERT INTO schema_version (version, applied_at)
    VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
