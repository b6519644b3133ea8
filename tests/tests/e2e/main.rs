//! FarmLive's end-to-end tests: one test binary, a module per capability.
//!
//! One binary rather than one per file: each file linked the hub and the
//! core on its own (about 55 MB and a few seconds of linking apiece, 40
//! times over on CI's two cores and shared disk). Tests are named by their
//! module (`experts::…`), so `cargo test -p farmlive-tests --test e2e --
//! experts::` runs one file's tests; `cargo xtask test` runs the hub API
//! suite's modules a second time over PostgreSQL that way.

mod web_support;

mod browser_playback;
mod browser_storefront;
mod deliver_photo;
mod drain;
mod experts;
mod guides;
mod harden_blobs;
mod harden_clock;
mod harden_devices;
mod harden_inputs;
mod harden_network;
mod harden_roles;
mod hub_api;
mod hub_rooms;
mod kill;
mod live_selling;
mod orders_stores;
mod pg_migrate;
mod pg_store;
mod photos_s3;
mod photos_stores;
mod promise;
mod recordings_s3;
mod relay_external;
mod relay_hls;
mod relay_hub;
mod relay_limits;
mod relay_nodes;
mod rooms_stores;
mod routes;
mod sales;
mod scale_pg;
mod storefront_public_events;
mod sync;
mod sync_faults;
mod sync_status;
mod sync_stores;
mod web_orders;
mod web_storefront;
