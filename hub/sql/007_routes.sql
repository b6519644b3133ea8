-- Delivery routes (issue 15): from a farm's origin city to destination
-- cities, each with a carrier and days in transit; and each farm's origin.
-- Cities are ids of protocol/data/cities.csv. Written by
-- store/sqlite/routes.rs only.

CREATE TABLE routes (
    origin       TEXT NOT NULL,
    destination  TEXT NOT NULL,
    carrier      TEXT NOT NULL,
    transit_days INTEGER NOT NULL CHECK (transit_days BETWEEN 1 AND 14),
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (origin, destination)
) WITHOUT ROWID;

CREATE TABLE farm_origins (
    farm_id    TEXT PRIMARY KEY REFERENCES farms (id),
    city       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
