-- Photos in guides (issue 15), as hub/sql/010_guide_photos.sql for SQLite.
-- Written by store/postgres/guides.rs only.

ALTER TABLE guides ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';

CREATE TABLE guide_blobs (
    sha256   TEXT NOT NULL,
    guide_id TEXT NOT NULL REFERENCES guides (id),
    PRIMARY KEY (sha256, guide_id)
);
CREATE INDEX guide_blobs_by_guide ON guide_blobs (guide_id);

INSERT INTO schema_version (version, applied_at)
    VALUES (6, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
