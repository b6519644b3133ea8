-- FarmLive hub, schema 2: live rooms and their events.
--
-- A room's state is stored whole (JSON, see store/sqlite/room_records.rs); status and farm
-- are columns too, so that "the farm's live room" is an index lookup and a
-- farm can never have two live rooms at once.

CREATE TABLE rooms (
    id        TEXT PRIMARY KEY,
    farm_id   TEXT NOT NULL REFERENCES farms (id),
    status    TEXT NOT NULL CHECK (status IN ('live', 'ended')),
    opened_at INTEGER NOT NULL,
    state     TEXT NOT NULL                 -- JSON RoomRecord
) WITHOUT ROWID;
CREATE UNIQUE INDEX rooms_one_live_per_farm ON rooms (farm_id) WHERE status = 'live';
CREATE INDEX rooms_by_status ON rooms (status, opened_at);

-- Every event of every room. The id is hub-wide and increasing: it is the
-- SSE id and a follower's resume cursor.
CREATE TABLE room_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL REFERENCES rooms (id),
    at      INTEGER NOT NULL,
    body    TEXT NOT NULL                   -- JSON RoomEventBody
);
CREATE INDEX room_events_by_room ON room_events (room_id, id);
