-- FarmLive hub, schema 3: photo uploads belong to whoever started them,
-- stored photos are charged to the farms that uploaded them, and the hub
-- knows which listings show which photos (for public reads and for
-- collecting orphans).
--
-- From now on `blobs` holds only complete, hash-verified photos (shared by
-- content: any farm that uploads the same bytes gets the same row); uploads
-- in progress live in `blob_uploads`, one per (photo, device).

-- Uploads in progress. Written only by the blob store (store/sqlite/blobs.rs).
-- The bytes are in `<blob dir>/<sha256>.<device_id>.part`.
CREATE TABLE blob_uploads (
    sha256     TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    length     INTEGER NOT NULL,
    received   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,            -- ms; the upload expires a day after its last chunk
    PRIMARY KEY (sha256, device_id)
) WITHOUT ROWID;
CREATE INDEX blob_uploads_by_device ON blob_uploads (device_id);

-- Which farms uploaded (or re-confirmed) a complete photo: what their quota
-- is charged with, and what their devices may read before a listing shows it.
-- Written only by the blob store (store/sqlite/blobs.rs).
CREATE TABLE blob_owners (
    sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    farm_id    TEXT NOT NULL,
    touched_at INTEGER NOT NULL,            -- ms; last upload or confirmation by this farm
    PRIMARY KEY (sha256, farm_id)
) WITHOUT ROWID;
CREATE INDEX blob_owners_by_farm ON blob_owners (farm_id);

-- The photos (listing image and thumbnail) each listing shows now.
-- Written only by store/sqlite/listing_blobs.rs, called by save_listing
-- (store/sqlite/records.rs) with the listing itself.
CREATE TABLE listing_blobs (
    sha256     TEXT NOT NULL,
    listing_id TEXT NOT NULL,
    PRIMARY KEY (sha256, listing_id)
) WITHOUT ROWID;
CREATE INDEX listing_blobs_by_listing ON listing_blobs (listing_id);

INSERT OR IGNORE INTO listing_blobs (sha256, listing_id)
    SELECT json_extract(p.value, '$.sha256'), l.id
    FROM listings l, json_each(l.state, '$.photos') p
    WHERE json_extract(p.value, '$.sha256') IS NOT NULL
    UNION
    SELECT json_extract(p.value, '$.thumb_sha256'), l.id
    FROM listings l, json_each(l.state, '$.photos') p
    WHERE json_extract(p.value, '$.thumb_sha256') IS NOT NULL;

-- Uploads left half-way by older hubs were shared by all farms; drop them
-- (their devices start again). Their `.part` files are swept by the collector.
DELETE FROM blobs WHERE complete = 0;

-- Photos already stored belong to the farms whose listings show them.
INSERT OR IGNORE INTO blob_owners (sha256, farm_id, touched_at)
    SELECT DISTINCT lb.sha256, l.farm_id, b.created_at
    FROM listing_blobs lb
    JOIN listings l ON l.id = lb.listing_id
    JOIN blobs b ON b.sha256 = lb.sha256;
