-- Delivery routes (issue 15), as hub/sql/007_routes.sql for SQLite: from
-- a farm's origin city to destination cities, with a carrier and days in
-- transit; and each farm's origin. Written by store/postgres/routes.rs.

CREATE TABLE routes (
    origin       TEXT NOT NULL,
    destination  TEXT NOT NULL,
    carrier      TEXT NOT NULL,
    transit_days INTEGER NOT NULL CHECK (transit_days BETWEEN 1 AND 14),
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (origin, destination)
);

CREATE TABLE farm_origins (
    farm_id    TEXT PRIMARY KEY REFERENCES farms (id),
    city       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

INSERT INTO schema_version (version, applied_at)
    VALUES (2, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
