//! The hub's HTTP layer: routes, extractors, the sign-up limit and room
//! event streams (SSE). The top layer: it calls the store only through its
//! interface ([`crate::store::HubStore`]) and reads the in-memory room feeds
//! (`crate::rooms`) for event streams; nothing below it imports it.

mod caller;
mod extract;
mod hangup;
mod health;
mod routes;
mod routes_blobs;
mod routes_changes;
mod routes_devices;
mod routes_guides;
mod routes_hls;
mod routes_media;
mod routes_questions;
mod routes_rooms;
pub mod signup;
pub(crate) mod sse;
mod state;

pub(crate) use hangup::Hangup;
pub use routes::router;
pub(crate) use routes_blobs::jpeg_file;
pub(crate) use routes_hls::router as hls_router;
pub(crate) use state::blocking;
pub use state::{AppState, Health};
