-- Live media with several hub processes (issue 14): which process holds a
-- live room's RTMP ingest, as the HTTP address viewers reach it directly
-- (`http://10.0.0.2:8080`). HTTP-FLV viewers who reach another process are
-- redirected there. Set by the process that accepts the publisher; NULL
-- until one does. Written by store/postgres/room_records.rs.

ALTER TABLE rooms ADD COLUMN ingest_node TEXT;

INSERT INTO schema_version (version, applied_at)
    VALUES (3, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
