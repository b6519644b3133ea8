-- Sync with a hub. The local view of a synced entity is its last synced
-- server state (the base) with the device's pending outbox ops applied on
-- top, by the same rules the hub uses (farmlive_protocol::state).

-- Last synced server state of each listing (JSON ListingState).
CREATE TABLE listings_base (
    id    TEXT PRIMARY KEY,
    state TEXT NOT NULL
) WITHOUT ROWID;

-- Photos synced from elsewhere are known by hash before (or without) their
-- bytes being here; `uploaded` marks blobs the hub has complete.
ALTER TABLE blobs ADD COLUMN present INTEGER NOT NULL DEFAULT 1;
ALTER TABLE blobs ADD COLUMN uploaded INTEGER NOT NULL DEFAULT 0;

-- Orders for this device's farms: the server's state and the local view
-- (with pending accept/pack/ship/cancel actions applied). Buyer contact
-- details inside are personal data: never logged.
CREATE TABLE orders (
    id        TEXT PRIMARY KEY,
    farm_id   TEXT NOT NULL,
    status    TEXT NOT NULL,
    placed_at INTEGER NOT NULL,
    base      TEXT NOT NULL,
    state     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX orders_by_status ON orders (status, placed_at);

-- Ops the hub refused, kept for the user to see and dismiss.
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id       TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    op          TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER
);
