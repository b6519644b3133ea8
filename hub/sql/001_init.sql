-- FarmLive hub, schema 1. The hub is the single authority for stock and
-- order status. Entity states are stored whole (JSON of the protocol types)
-- and every change is appended to `changes`, the feed devices pull.

CREATE TABLE farms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE enrol_codes (
    code_hash  TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('farmer', 'agent')),
    farms      TEXT NOT NULL,              -- JSON array of farm ids
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    used_by    TEXT
) WITHOUT ROWID;

CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE device_farms (
    device_id TEXT NOT NULL REFERENCES devices (id),
    farm_id   TEXT NOT NULL REFERENCES farms (id),
    PRIMARY KEY (device_id, farm_id)
) WITHOUT ROWID;

CREATE TABLE listings (
    id      TEXT PRIMARY KEY,
    farm_id TEXT NOT NULL REFERENCES farms (id),
    status  TEXT NOT NULL,
    state   TEXT NOT NULL                   -- JSON ListingState
) WITHOUT ROWID;
CREATE INDEX listings_by_status ON listings (status);

-- Every op id ever applied, with its outcome: an op is applied at most once,
-- and a retried op gets the same answer.
CREATE TABLE applied_ops (
    op_id      TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL,
    outcome    TEXT NOT NULL,               -- JSON Outcome
    applied_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    farm_id   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    state     TEXT NOT NULL                 -- JSON ChangeBody
);
CREATE INDEX changes_by_farm ON changes (farm_id, seq);

CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    length     INTEGER NOT NULL,
    received   INTEGER NOT NULL,
    complete   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE buyers (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    contact    TEXT NOT NULL,               -- JSON BuyerContact: personal data
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    buyer_id        TEXT NOT NULL REFERENCES buyers (id),
    farm_id         TEXT NOT NULL REFERENCES farms (id),
    idempotency_key TEXT NOT NULL,
    state           TEXT NOT NULL,          -- JSON OrderState
    UNIQUE (buyer_id, idempotency_key)
) WITHOUT ROWID;
