-- FarmLive device store, schema 1.
-- Listings carry a hybrid-logical-clock stamp per plain field, so offline
-- edits from several devices merge last-writer-wins per field.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE farms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE listings (
    id              TEXT NOT NULL UNIQUE,
    farm_id         TEXT NOT NULL REFERENCES farms (id),
    title           TEXT NOT NULL,
    title_hlc       TEXT NOT NULL,
    description     TEXT NOT NULL,
    description_hlc TEXT NOT NULL,
    unit            TEXT NOT NULL,
    unit_hlc        TEXT NOT NULL,
    price_minor     INTEGER NOT NULL CHECK (price_minor > 0),
    currency        TEXT NOT NULL,
    price_hlc       TEXT NOT NULL,
    stock           INTEGER NOT NULL CHECK (stock >= 0),
    stock_hlc       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
    status_hlc      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX listings_by_farm ON listings (farm_id, status, updated_at);
CREATE INDEX listings_by_status ON listings (status, updated_at);

-- Full-text search over titles and descriptions. Trigram tokens match any
-- substring of three or more characters, which is what Chinese text needs
-- (no spaces between words). Shorter queries fall back to LIKE in code.
CREATE VIRTUAL TABLE listings_fts USING fts5 (
    title,
    description,
    content = 'listings',
    content_rowid = 'rowid',
    tokenize = 'trigram remove_diacritics 1'
);

CREATE TRIGGER listings_fts_insert AFTER INSERT ON listings BEGIN
    INSERT INTO listings_fts (rowid, title, description)
    VALUES (new.rowid, new.title, new.description);
END;

CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings BEGIN
    INSERT INTO listings_fts (listings_fts, rowid, title, description)
    VALUES ('delete', old.rowid, old.title, old.description);
END;

CREATE TRIGGER listings_fts_update AFTER UPDATE OF title, description ON listings BEGIN
    INSERT INTO listings_fts (listings_fts, rowid, title, description)
    VALUES ('delete', old.rowid, old.title, old.description);
    INSERT INTO listings_fts (rowid, title, description)
    VALUES (new.rowid, new.title, new.description);
END;

-- Content-addressed photo files (listing images and thumbnails), kept under
-- blobs/ in the data directory and named by their SHA-256.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    bytes      INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE listing_photos (
    listing_id   TEXT NOT NULL REFERENCES listings (id),
    sha256       TEXT NOT NULL REFERENCES blobs (sha256),
    thumb_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (listing_id, sha256)
) WITHOUT ROWID;

-- Operations waiting to be pushed to the hub, in the order they happened.
-- Each is written in the same transaction as the rows it describes.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id      TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    blob       TEXT,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_by_blob ON outbox (blob) WHERE blob IS NOT NULL;
