-- Live rooms this device opened, and every room event it received, kept so
-- the farmer can look back at a session and so a follower that restarts
-- resumes after the last event it stored (exactly once across crashes).

CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    farm_id    TEXT NOT NULL,
    title      TEXT NOT NULL,
    shelf      TEXT NOT NULL,               -- JSON array of listing ids
    status     TEXT NOT NULL CHECK (status IN ('live', 'ended')),
    opened_at  INTEGER NOT NULL,
    ended_at   INTEGER,
    last_event INTEGER NOT NULL DEFAULT 0   -- the follower's cursor
) WITHOUT ROWID;

CREATE TABLE room_events (
    id      INTEGER PRIMARY KEY,            -- the hub's event id
    room_id TEXT NOT NULL REFERENCES rooms (id),
    kind    TEXT NOT NULL,
    at      INTEGER NOT NULL,
    body    TEXT NOT NULL                   -- JSON RoomEvent
);
CREATE INDEX room_events_by_room ON room_events (room_id, id);
