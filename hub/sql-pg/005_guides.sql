-- Guides (issue 15), as hub/sql/009_guides.sql for SQLite: the courses,
-- their texts (JSON), revision and place in the guide sequence. Written by
-- store/postgres/guides.rs, which takes the table's lock to number a
-- publish, so readers never see a later number before an earlier one.

CREATE TABLE guides (
    id           TEXT PRIMARY KEY,
    seq          BIGINT NOT NULL UNIQUE,
    revision     BIGINT NOT NULL CHECK (revision >= 1),
    texts        TEXT NOT NULL,
    published_at BIGINT NOT NULL
);

INSERT INTO schema_version (version, applied_at)
    VALUES (5, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
