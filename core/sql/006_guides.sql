-- Guides synced from the hub (issue 15), to read offline: each guide's
-- latest revision with its texts (JSON, one per language), and its place
-- in the hub's guide sequence (the cursor is `meta.guides_after`).
-- Written by src/guides.rs only.

CREATE TABLE guides (
    id           TEXT PRIMARY KEY,
    revision     INTEGER NOT NULL,
    texts        TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    seq          INTEGER NOT NULL
) WITHOUT ROWID;
