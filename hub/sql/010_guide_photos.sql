-- Photos in guides (issue 15): a guide's photos (JSON, as PhotoRefs), and
-- the blobs they show, which every enrolled device may read and the photo
-- collector keeps while a guide shows them. Written by
-- store/sqlite/guides.rs only.

ALTER TABLE guides ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';

CREATE TABLE guide_blobs (
    sha256   TEXT NOT NULL,
    guide_id TEXT NOT NULL REFERENCES guides (id),
    PRIMARY KEY (sha256, guide_id)
) WITHOUT ROWID;
CREATE INDEX guide_blobs_by_guide ON guide_blobs (guide_id);
