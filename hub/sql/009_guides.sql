-- Guides (issue 15): the programme's courses, one row per guide with its
-- texts (JSON, one per language), its revision, and its place in the guide
-- sequence devices pull by (`seq`, rising with every publish, never
-- reused). Written by store/sqlite/guides.rs only.

CREATE TABLE guides (
    id           TEXT PRIMARY KEY,
    seq          INTEGER NOT NULL UNIQUE,
    revision     INTEGER NOT NULL CHECK (revision >= 1),
    texts        TEXT NOT NULL,
    published_at INTEGER NOT NULL
) WITHOUT ROWID;
